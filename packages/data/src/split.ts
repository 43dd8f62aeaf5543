import { ConfigError, Rng, deriveSeed, type SplitName } from '@kd/core';

/** The split seed used when none is given: fixed, and independent of the run seed. */
export const DEFAULT_SPLIT_SEED = 20_231_101;

export interface SplitSpec {
  /** Validation size: a count (integer ≥ 0) or, when in (0, 1), a fraction of all samples. */
  readonly val: number;
  /** Test size: a count (integer ≥ 0) or, when in (0, 1), a fraction of all samples. */
  readonly test: number;
  /** Subsample train to this many samples (integer ≥ 1) or fraction in (0, 1) of the rest. */
  readonly trainSize?: number;
  /** Seeds the assignment; the same seed and labels always give the same split. */
  readonly seed: number;
  /** Keep class proportions in every split (default true); otherwise a seeded random split. */
  readonly stratified?: boolean;
}

/** Indices into the source arrays for each split; disjoint, each in a seeded shuffled order. */
export type SplitIndices = Readonly<Record<SplitName, Int32Array>>;

/**
 * A size option as a count: integers ≥ 0 (≥ 1 when `min` is 1) are counts, values in (0, 1) are
 * fractions of `total` (rounded). `name` is the option name used in errors.
 */
export function resolveCount(value: number, total: number, name: string, min = 0): number {
  const path = `data.options.${name}`;
  if (!Number.isFinite(value) || value < 0)
    throw new ConfigError(path, `must be a count ≥ ${min} or a fraction in (0, 1), got ${value}`);
  const count = value > 0 && value < 1 ? Math.round(value * total) : value;
  if (!Number.isInteger(count))
    throw new ConfigError(path, `must be an integer count or a fraction in (0, 1), got ${value}`);
  if (count < min) throw new ConfigError(path, `must be at least ${min}, got ${value} (${count} of ${total} samples)`);
  if (count > total) throw new ConfigError(path, `asks for ${count} samples but only ${total} are available`);
  return count;
}

/**
 * Splits samples (given their labels) into disjoint train/val/test index sets, deterministically
 * for a given `spec.seed`. Train is everything not in val or test, optionally subsampled to
 * `trainSize`. Stratified splits keep each class's share (largest-remainder rounding).
 */
export function splitIndices(labels: Int32Array, spec: SplitSpec): SplitIndices {
  const n = labels.length;
  const val = resolveCount(spec.val, n, 'val');
  const test = resolveCount(spec.test, n, 'test');
  if (val + test >= n) {
    throw new ConfigError('data.options', `val (${val}) + test (${test}) leaves no training samples out of ${n}`);
  }
  const pools =
    spec.stratified === false
      ? [new Rng(deriveSeed(spec.seed, 'split')).permutation(n)]
      : classPools(labels, spec.seed);

  const valParts = takeProportional(pools, val);
  const testParts = takeProportional(valParts.rest, test);
  let trainPools = testParts.rest;
  if (spec.trainSize !== undefined) {
    const available = trainPools.reduce((s, p) => s + p.length, 0);
    const size = resolveCount(spec.trainSize, available, 'trainSize', 1);
    trainPools = takeProportional(trainPools, size).taken;
  }
  return {
    train: shuffled(concat(trainPools), spec.seed, 'train'),
    val: shuffled(concat(valParts.taken), spec.seed, 'val'),
    test: shuffled(concat(testParts.taken), spec.seed, 'test'),
  };
}

/** Per class, its sample indices in a seeded random order. */
function classPools(labels: Int32Array, seed: number): Int32Array[] {
  let numClasses = 0;
  for (const l of labels) {
    if (l < 0) throw new Error(`split: negative label ${l}`);
    numClasses = Math.max(numClasses, l + 1);
  }
  const counts = new Int32Array(numClasses);
  for (const l of labels) counts[l]!++;
  const pools = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) pools[labels[i]!]![fill[labels[i]!]!++] = i;
  return pools.map((pool, k) => {
    const perm = new Rng(deriveSeed(seed, 'split', k)).permutation(pool.length);
    return perm.map((j) => pool[j]!);
  });
}

/** Takes `count` items from the fronts of `pools`, proportionally to pool sizes. */
function takeProportional(pools: Int32Array[], count: number): { taken: Int32Array[]; rest: Int32Array[] } {
  const total = pools.reduce((s, p) => s + p.length, 0);
  const quotas = pools.map((p) => (total === 0 ? 0 : (count * p.length) / total));
  const alloc = quotas.map(Math.floor);
  let missing = count - alloc.reduce((s, a) => s + a, 0);
  const byRemainder = quotas.map((q, k) => ({ k, r: q - Math.floor(q) })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { k } of byRemainder) {
    if (missing === 0) break;
    if (alloc[k]! < pools[k]!.length) {
      alloc[k]!++;
      missing--;
    }
  }
  return {
    taken: pools.map((p, k) => p.subarray(0, alloc[k])),
    rest: pools.map((p, k) => p.subarray(alloc[k])),
  };
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function shuffled(indices: Int32Array, seed: number, name: SplitName): Int32Array {
  const perm = new Rng(deriveSeed(seed, 'split-order', name)).permutation(indices.length);
  return perm.map((j) => indices[j]!);
}
