/**
 * Indices of `scores` from highest to lowest score; equal scores keep their input order (a stable
 * sort). Internal: the tie rule every ranked metric of this package documents.
 */
export function descendingOrder(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  // Array.prototype.sort is stable (ES2019); the comparator avoids Infinity − Infinity = NaN.
  order.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sb > sa ? 1 : sb < sa ? -1 : 0;
  });
  return order;
}
