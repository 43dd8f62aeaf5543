import { ConfigError, Rng, deriveSeed, z } from '@kd/core';
import { longTailGroups } from '@kd/metrics';

/**
 * Long-tailed training sets, as in CIFAR-LT / ImageNet-LT: class k (in head-to-tail order) keeps
 *   n_k = ⌊ n_max · ρ^(−k/(K−1)) ⌋   (exponential profile, imbalance ratio ρ = n_0 / n_{K−1})
 * of its training samples, where n_max is the smallest available class count (so every class can
 * supply its quota); val and test stay balanced. Classes are then grouped by their training counts
 * into Many / Medium / Few shots.
 */
export const longTailOptionsSchema = z
  .object({
    imbalance: z.number().min(1).describe('imbalance ratio ρ = largest / smallest class count (e.g. 10, 50, 100)'),
    order: z
      .enum(['index', 'shuffled'])
      .default('index')
      .describe('head-to-tail class order: class ids ascending, or a permutation seeded by data.options.splitSeed'),
    groups: z
      .object({
        many: z.number().positive().default(100).describe('a class with more training samples is Many-shot'),
        few: z.number().positive().default(20).describe('a class with fewer training samples is Few-shot'),
        scale: z
          .enum(['imagenet-lt', 'none'])
          .default('imagenet-lt')
          .describe(
            "'imagenet-lt': thresholds are ImageNet-LT's (100, 20 of at most 1280) scaled by n_max/1280; 'none': absolute counts",
          ),
      })
      .strict()
      .default({ many: 100, few: 20, scale: 'imagenet-lt' }),
  })
  .strict();

export type LongTailOptions = z.output<typeof longTailOptionsSchema>;

/** ImageNet-LT's largest class has 1,280 training images; its group thresholds are relative to that. */
export const IMAGENET_LT_MAX = 1280;

/** The head-to-tail order of the classes. */
export function longTailOrder(numClasses: number, order: LongTailOptions['order'], seed: number): Int32Array {
  if (order === 'index') return Int32Array.from({ length: numClasses }, (_, k) => k);
  return new Rng(deriveSeed(seed, 'long-tail-order')).permutation(numClasses);
}

/** Per-class target counts (indexed by class id) for the exponential profile. */
export function longTailCounts(available: ArrayLike<number>, imbalance: number, order: Int32Array): Int32Array {
  const k = available.length;
  if (imbalance < 1) throw new ConfigError('data.options.longTail.imbalance', `must be ≥ 1, got ${imbalance}`);
  const nMax = Math.min(...Array.from(available));
  const counts = new Int32Array(k);
  order.forEach((cls, rank) => {
    counts[cls] = Math.max(1, Math.floor(nMax * imbalance ** (k === 1 ? 0 : -rank / (k - 1))));
  });
  return counts;
}

/**
 * Keeps the first n_k samples of each class of `train` (an index list in a seeded order, e.g. from
 * `splitIndices`), preserving that order. Returns the kept indices and the per-class counts.
 */
export function longTailSubsample(
  train: Int32Array,
  labels: Int32Array,
  numClasses: number,
  options: LongTailOptions,
  seed: number,
): { indices: Int32Array; counts: Int32Array } {
  const available = new Int32Array(numClasses);
  for (const i of train) available[labels[i]!]!++;
  const empty = available.findIndex((c) => c === 0);
  if (empty >= 0) throw new ConfigError('data.options.longTail', `class ${empty} has no training samples to subsample`);
  const counts = longTailCounts(available, options.imbalance, longTailOrder(numClasses, options.order, seed));
  const taken = new Int32Array(numClasses);
  const kept: number[] = [];
  for (const i of train) {
    const c = labels[i]!;
    if (taken[c]! < counts[c]!) {
      taken[c]!++;
      kept.push(i);
    }
  }
  return { indices: Int32Array.from(kept), counts };
}

/** Many / Medium / Few groups of the classes (ids 0, 1, 2) from their training counts. */
export interface ClassGroups {
  readonly names: readonly string[];
  /** group id of each class */
  readonly ofClass: readonly number[];
  /** the thresholds actually used: Many if count > many, Few if count < few */
  readonly many: number;
  readonly few: number;
}

/** The thresholds (scaled as configured) applied by @kd/metrics' `longTailGroups`. */
export function classGroups(trainCounts: ArrayLike<number>, groups: LongTailOptions['groups']): ClassGroups {
  const nMax = Math.max(...Array.from(trainCounts));
  const factor = groups.scale === 'imagenet-lt' ? nMax / IMAGENET_LT_MAX : 1;
  if (groups.few > groups.many)
    throw new ConfigError('data.options.longTail.groups', `few (${groups.few}) must not exceed many (${groups.many})`);
  const g = longTailGroups(trainCounts, { many: groups.many * factor, few: groups.few * factor });
  return { names: [...g.groupNames], ofClass: Array.from(g.groupOfClass), many: g.many, few: g.few };
}
