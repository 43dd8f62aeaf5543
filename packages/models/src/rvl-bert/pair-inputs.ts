/**
 * RVL-BERT's inputs for one relation pair (official code: the VRD and SpatialSense datasets and
 * `visual_linguistic_bert.py`; docs/design/rvl-bert-code-reading.md §1):
 *
 *   text:   [CLS] subject-words [predicate-words] object-words [SEP] [MASK] [SEP] [PAD]…
 *   RoIs:   the whole image, the subject, the union (± margin, clipped to the image), the object
 *   roles:  the text spans of subject, (predicate,) object — where the mask attention module puts
 *           each role's pooled feature and whose word embeddings it sums
 *
 * Pure data: the architecture turns it into tensors. The predicate words are given for a
 * SpatialSense-like query (the predicate asked about) and absent for VRD-like predicate detection.
 */

export interface PairTextIds {
  readonly cls: number;
  readonly sep: number;
  readonly mask: number;
  readonly pad: number;
}

export interface PairInput {
  /** [T] token ids. */
  readonly tokens: Int32Array;
  /** [T] 1 on the real tokens. */
  readonly tokenMask: Float32Array;
  /** Index of [MASK] in `tokens`. */
  readonly maskPosition: number;
  /** Per role [start, end) in `tokens`: subject, (predicate,) object. */
  readonly roleSpans: readonly (readonly [number, number])[];
  /** [4, 4] boxes in pixels (x1, y1, x2, y2): whole image, subject, union, object. */
  readonly rois: Float32Array;
}

export interface PairInputOptions {
  readonly ids: PairTextIds;
  /** T: the encoder's text length (its position table). */
  readonly textLength: number;
  /** [width, height] of the image in pixels. */
  readonly imageSize: readonly [number, number];
  /** Pixels added around the union box on every side before clipping (the code: 10 on ≈ 600-px images). */
  readonly unionMargin: number;
}

/** The union of two boxes, widened by `margin` on every side and clipped to the image. */
export function unionBox(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  margin: number,
  [width, height]: readonly [number, number],
): [number, number, number, number] {
  return [
    Math.max(0, Math.min(a[0]!, b[0]!) - margin),
    Math.max(0, Math.min(a[1]!, b[1]!) - margin),
    Math.min(width, Math.max(a[2]!, b[2]!) + margin),
    Math.min(height, Math.max(a[3]!, b[3]!) + margin),
  ];
}

/**
 * One pair's inputs. `words` are the roles' word ids (subject, object; or subject, predicate,
 * object); boxes in pixels. A text that does not fit in T is an error naming the lengths.
 */
export function pairInput(
  words: readonly (readonly number[])[],
  subjectBox: ArrayLike<number>,
  objectBox: ArrayLike<number>,
  options: PairInputOptions,
): PairInput {
  const { ids, textLength: t, imageSize } = options;
  const roleWords = words.reduce((n, w) => n + w.length, 0);
  const length = roleWords + 4; // [CLS] … [SEP] [MASK] [SEP]
  if (length > t)
    throw new RangeError(
      `RVL-BERT pair text: ${length} tokens ([CLS], ${roleWords} role words, [SEP] [MASK] [SEP]) do not fit the encoder's text length ${t}`,
    );
  const tokens = new Int32Array(t).fill(ids.pad);
  const tokenMask = new Float32Array(t);
  const roleSpans: [number, number][] = [];
  let at = 0;
  tokens[at++] = ids.cls;
  for (const w of words) {
    roleSpans.push([at, at + w.length]);
    for (const id of w) tokens[at++] = id;
  }
  tokens[at++] = ids.sep;
  const maskPosition = at;
  tokens[at++] = ids.mask;
  tokens[at++] = ids.sep;
  tokenMask.fill(1, 0, at);
  const [width, height] = imageSize;
  const rois = Float32Array.from([
    ...[0, 0, width, height],
    ...Array.from(subjectBox).slice(0, 4),
    ...unionBox(subjectBox, objectBox, options.unionMargin, imageSize),
    ...Array.from(objectBox).slice(0, 4),
  ]);
  return { tokens, tokenMask, maskPosition, roleSpans, rois };
}
