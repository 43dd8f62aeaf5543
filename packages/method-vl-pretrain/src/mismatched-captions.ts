/** Captions shifted by one place in the batch: the negatives of image–text matching. */
export interface MismatchedCaptions {
  readonly ids: Int32Array;
  readonly mask: Float32Array;
  /** 1 where the shifted caption happens to equal the image's own (still a match), else 0. */
  readonly labels: Int32Array;
}

/**
 * Gives image b the caption of image (b + 1) mod B. A shifted caption identical to the image's own
 * is labelled a match, so a batch of equal captions teaches no false negatives.
 */
export function mismatchedCaptions(
  ids: Int32Array,
  mask: Float32Array,
  batch: number,
  length: number,
): MismatchedCaptions {
  const outIds = new Int32Array(ids.length);
  const outMask = new Float32Array(mask.length);
  const labels = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const from = ((b + 1) % batch) * length;
    outIds.set(ids.subarray(from, from + length), b * length);
    outMask.set(mask.subarray(from, from + length), b * length);
    let same = true;
    for (let t = 0; t < length && same; t++) same = ids[b * length + t] === ids[from + t];
    labels[b] = same ? 1 : 0;
  }
  return { ids: outIds, mask: outMask, labels };
}
