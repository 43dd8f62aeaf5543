/** Input checks shared by the metrics (internal: not exported from the package). */

/** Throws unless `a` and `b` have the same length. */
export function assertSameLength(
  what: string,
  nameA: string,
  a: ArrayLike<unknown>,
  nameB: string,
  b: ArrayLike<unknown>,
): void {
  if (a.length !== b.length) {
    throw new Error(`${what}: ${nameA} has length ${a.length} but ${nameB} has length ${b.length}`);
  }
}

/** Throws unless `n` is an integer ≥ `min`. */
export function assertInteger(what: string, name: string, n: number, min = 0): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${what}: ${name} must be an integer ≥ ${min}, got ${n}`);
}

/** Throws unless every entry of `ids` is an integer in [0, size). */
export function assertIndices(what: string, name: string, ids: ArrayLike<number>, size: number): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      throw new Error(`${what}: ${name}[${i}] = ${v} is not an integer in [0, ${size})`);
    }
  }
}

/** Throws unless `v` is a number that is not NaN (±Infinity is allowed: it still ranks). */
export function assertNotNaN(what: string, name: string, v: number): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${what}: ${name} is ${String(v)}, expected a number`);
}

/** Throws unless `v` is 0 or 1 (booleans are accepted as 1 / 0). Returns it as 0 | 1. */
export function binary(what: string, name: string, v: number | boolean): 0 | 1 {
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  throw new Error(`${what}: ${name} = ${String(v)} is not binary (expected 0 / 1 or a boolean)`);
}
