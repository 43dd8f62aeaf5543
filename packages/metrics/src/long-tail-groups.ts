/** Group names of `longTailGroups`, in group-id order. */
export const LONG_TAIL_GROUP_NAMES = ['many', 'medium', 'few'] as const;

/** Thresholds on per-class training counts (defaults: ImageNet-LT's). */
export interface LongTailThresholds {
  /** a class with MORE than this many training samples is Many-shot (default 100) */
  readonly many?: number;
  /** a class with FEWER than this many training samples is Few-shot (default 20) */
  readonly few?: number;
}

/** Many / Medium / Few groups of the classes, ready for `groupAccuracy(…, groupOfClass, groupNames)`. */
export interface LongTailGroups {
  /** group id of each class: 0 = many, 1 = medium, 2 = few */
  readonly groupOfClass: Int32Array;
  readonly groupNames: readonly ['many', 'medium', 'few'];
  /** the thresholds used */
  readonly many: number;
  readonly few: number;
}

/**
 * Groups classes by their number of training samples n_c, as in ImageNet-LT (Liu et al. 2019):
 *   Many if n_c > many,  Few if n_c < few,  Medium otherwise (few ≤ n_c ≤ many).
 * Defaults many = 100, few = 20 are ImageNet-LT's (largest class 1,280 images); smaller datasets
 * (CIFAR-LT, Places-LT subsets) scale them with their largest class — pass the scaled values.
 * Group ids match @kd/data's `classGroups` (0 many, 1 medium, 2 few).
 */
export function longTailGroups(trainCounts: ArrayLike<number>, thresholds: LongTailThresholds = {}): LongTailGroups {
  const many = thresholds.many ?? 100;
  const few = thresholds.few ?? 20;
  if (!Number.isFinite(many) || !Number.isFinite(few))
    throw new Error(`longTailGroups: thresholds must be finite, got many=${many}, few=${few}`);
  if (few > many) throw new Error(`longTailGroups: few (${few}) must not exceed many (${many})`);
  const groupOfClass = new Int32Array(trainCounts.length);
  for (let c = 0; c < trainCounts.length; c++) {
    const n = trainCounts[c]!;
    if (!(n >= 0)) throw new Error(`longTailGroups: trainCounts[${c}] = ${n} is not a count ≥ 0`);
    groupOfClass[c] = n > many ? 0 : n < few ? 2 : 1;
  }
  return { groupOfClass, groupNames: LONG_TAIL_GROUP_NAMES, many, few };
}
