import { Rng } from '@kd/core';
import { MASK_ID, isSpecialId } from '@kd/text';

/** BERT's masked-token corruption of one batch of captions. */
export interface MaskingOptions {
  /** Probability that a real (non-special) token is chosen for prediction (BERT: 0.15). */
  readonly probability: number;
  /** Of the chosen tokens: the share replaced by [MASK] and by a random word (BERT: 0.8 and 0.1; the rest stay). */
  readonly maskShare: number;
  readonly randomShare: number;
  readonly vocabSize: number;
}

export interface MaskedTokens {
  /** The corrupted token ids [B·T]. */
  readonly input: Int32Array;
  /** The original id at every chosen position, −1 elsewhere [B·T]. */
  readonly targets: Int32Array;
  /** Chosen positions in the batch. */
  readonly count: number;
}

/**
 * Chooses prediction positions among the real words of each caption (never [CLS], [SEP], [PAD] or
 * another special token): each with `probability`, and at least one per caption that has a word.
 * A chosen token becomes [MASK] (maskShare), a random non-special word (randomShare) or stays.
 * Deterministic in `rng`.
 */
export function maskTokens(ids: Int32Array, batch: number, length: number, rng: Rng, o: MaskingOptions): MaskedTokens {
  const input = Int32Array.from(ids);
  const targets = new Int32Array(ids.length).fill(-1);
  const firstWord = 5; // ids 0–4 are the special tokens
  let count = 0;
  for (let b = 0; b < batch; b++) {
    const words: number[] = [];
    for (let t = 0; t < length; t++) if (!isSpecialId(ids[b * length + t]!)) words.push(b * length + t);
    if (words.length === 0) continue;
    const chosen = words.filter(() => rng.next() < o.probability);
    if (chosen.length === 0) chosen.push(words[rng.int(words.length)]!);
    for (const i of chosen) {
      targets[i] = ids[i]!;
      const u = rng.next();
      if (u < o.maskShare) input[i] = MASK_ID;
      else if (u < o.maskShare + o.randomShare && o.vocabSize > firstWord)
        input[i] = firstWord + rng.int(o.vocabSize - firstWord);
      count++;
    }
  }
  return { input, targets, count };
}
