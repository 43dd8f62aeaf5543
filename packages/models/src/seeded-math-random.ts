import { Rng } from '@kd/core';

/**
 * Runs `fn` (synchronous) with `Math.random` drawing from kd's seeded generator, then restores it.
 * TensorFlow.js seeds every unseeded random op (its layers' default initializers among them) from
 * `Math.random`, so a LayersModel built inside is initialised the same way for the same seed — the
 * seeded initialisation kd's own models have. Initializers given an explicit `seed` keep it.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  const rng = new Rng(seed);
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
