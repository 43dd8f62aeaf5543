import { Rng } from '@kd/core';

/** One pair a training batch shows: an ordered (subject, object) of the scene's objects. */
export interface TrainingPair {
  readonly subject: number;
  readonly object: number;
  /** True when the pair enters as background (an unannotated pair, or an annotated one drawn as background). */
  readonly background: boolean;
}

/** The official loop stops when more than this many background draws in a row were rejected. */
export const PAIR_REJECTION_PATIENCE = 10;

/**
 * RVL-BERT's VRD training pair sampler (`vrd/data/datasets/vrd.py`, `__getitem__`, with
 * `TRAIN.SAMPLE_RELS` = `count`, 32 in the official configs), for one image in one epoch:
 *
 * 1. the annotated pairs: all of them when there are at most ⌊3·count/4⌋ (24 of 32), else that many
 *    drawn uniformly without replacement;
 * 2. then, until the list holds `count` pairs, a uniform ordered pair of two different objects
 *    (`random.sample(range(n), 2)`), added as background unless it is already in the list; the loop
 *    stops when more than `PAIR_REJECTION_PATIENCE` draws in a row were rejected (or n < 2);
 * 3. the list shuffled.
 *
 * As in the official code, a background draw is checked against the list only, so an annotated pair
 * left out in step 1 can come back as background; and a small scene need not end with all its pairs
 * (on a 4-object scene with 4 annotated pairs the last of its 12 pairs is missed when 11 draws in a
 * row fall on the other 11). Python's `random` is replaced by `rng`; the distribution is the same.
 */
export function sampleTrainingPairs(
  annotated: readonly { readonly subject: number; readonly object: number }[],
  numObjects: number,
  count: number,
  rng: Rng,
): TrainingPair[] {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`sampleTrainingPairs: count must be an integer ≥ 1, got ${count}`);
  const keep = Math.min(Math.floor((count * 3) / 4), annotated.length);
  // a uniform draw without replacement (random.sample) when some must be left out
  const chosen = keep < annotated.length ? rng.permutation(annotated.length).subarray(0, keep) : annotated.keys();
  const list: TrainingPair[] = Array.from(chosen, (i) => {
    const { subject, object } = annotated[i]!;
    return { subject, object, background: false };
  });
  const taken = new Set(list.map((p) => p.subject * numObjects + p.object));
  let patience = 0;
  while (list.length < count) {
    if (patience > PAIR_REJECTION_PATIENCE || numObjects < 2) break;
    const subject = rng.int(numObjects);
    let object = rng.int(numObjects - 1);
    if (object >= subject) object++;
    const key = subject * numObjects + object;
    if (taken.has(key)) {
      patience++;
      continue;
    }
    taken.add(key);
    list.push({ subject, object, background: true });
    patience = 0;
  }
  return Array.from(rng.permutation(list.length), (i) => list[i]!); // random.shuffle
}
