/**
 * Mean of per-class APs over a subset of classes (e.g. base, novel or all classes of an
 * open-vocabulary detector): classes whose AP is NaN (no ground truth) are skipped. `classIds`
 * defaults to every class; ids must be distinct integers in [0, perClassAp.length). NaN when no
 * listed class has an AP.
 */
export function meanAp(perClassAp: ArrayLike<number>, classIds?: ArrayLike<number>): number {
  const ids = classIds ?? Array.from({ length: perClassAp.length }, (_, i) => i);
  const seen = new Set<number>();
  let sum = 0;
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const c = ids[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= perClassAp.length) {
      throw new Error(`meanAp: classIds[${i}] = ${c} is not an integer in [0, ${perClassAp.length})`);
    }
    if (seen.has(c)) throw new Error(`meanAp: class ${c} is listed twice in classIds`);
    seen.add(c);
    const a = perClassAp[c]!;
    if (!Number.isNaN(a)) {
      sum += a;
      n++;
    }
  }
  return sum / n;
}
