import type { Box } from '../proposals/box.js';

/** The fixed predicate vocabulary of spatial relations, in id order. */
export const PREDICATES = ['left of', 'right of', 'above', 'below', 'near', 'overlapping'] as const;
export type Predicate = (typeof PREDICATES)[number];

/** The four directional predicates (asked about in relation questions). */
export const DIRECTIONAL_PREDICATES: readonly Predicate[] = ['left of', 'right of', 'above', 'below'];

/** Thresholds of the relation rules (see `spatialPredicates`). */
export interface RelationConfig {
  /** τ in [0, 1): a direction holds when the centres differ by more than τ × the mean extent. */
  readonly directionMargin: number;
  /** ν ≥ 0: 'near' holds when the gap between the boxes is at most ν × their mean side. */
  readonly nearFactor: number;
}

export const DEFAULT_RELATION_CONFIG: RelationConfig = Object.freeze({ directionMargin: 0.5, nearFactor: 0.5 });

/** A subject–predicate–object triple between two annotated objects (indices into `objects`). */
export interface SpatialRelation {
  readonly subject: number;
  readonly object: number;
  /** Every predicate that holds, in `PREDICATES` order (never empty). */
  readonly predicates: readonly Predicate[];
  /** The single dominant predicate (one of `predicates`). */
  readonly primary: Predicate;
}

/** Bit k set ⇔ PREDICATES[k] holds. */
export const predicateBit = (p: Predicate): number => 1 << PREDICATES.indexOf(p);

/**
 * Which predicates hold for "subject s ⟨predicate⟩ object o", as a bit mask over `PREDICATES`, and
 * the index of the primary one. In image coordinates (y grows downwards), with centres (cx, cy),
 * widths w, heights h, dx = cx_o − cx_s, dy = cy_o − cy_s, τ = directionMargin, ν = nearFactor:
 *
 * - left of:     dx >  τ·(w_s + w_o)/2        right of: dx < −τ·(w_s + w_o)/2
 * - above:       dy >  τ·(h_s + h_o)/2        below:    dy < −τ·(h_s + h_o)/2
 * - overlapping: the boxes' intersection has positive area
 * - near:        not overlapping, and the Euclidean gap between the rectangles
 *                √(gx² + gy²) (gx, gy = gaps between the x and y intervals, 0 when they overlap)
 *                is ≤ ν·(w_s + h_s + w_o + h_o)/4
 *
 * So a diagonal pair gets two directions, an aligned pair one, and a pair whose centres are close
 * on both axes none. Primary: 'overlapping' when the boxes overlap; otherwise the direction along
 * the axis of the larger normalised offset |dx|/((w_s + w_o)/2) vs |dy|/((h_s + h_o)/2) (ties:
 * horizontal). Boxes that do not overlap are separated on some axis, where the normalised offset is
 * ≥ 1 > τ, so the primary direction always holds.
 */
export function predicateMask(s: Box, o: Box, config: RelationConfig): { mask: number; primary: number } {
  const ws = s[2] - s[0];
  const hs = s[3] - s[1];
  const wo = o[2] - o[0];
  const ho = o[3] - o[1];
  const dx = (o[0] + o[2]) / 2 - (s[0] + s[2]) / 2;
  const dy = (o[1] + o[3]) / 2 - (s[1] + s[3]) / 2;
  const meanW = (ws + wo) / 2;
  const meanH = (hs + ho) / 2;
  const tau = config.directionMargin;
  let mask = 0;
  if (dx > tau * meanW) mask |= 1 << 0;
  if (dx < -tau * meanW) mask |= 1 << 1;
  if (dy > tau * meanH) mask |= 1 << 2;
  if (dy < -tau * meanH) mask |= 1 << 3;
  const ix = Math.min(s[2], o[2]) - Math.max(s[0], o[0]);
  const iy = Math.min(s[3], o[3]) - Math.max(s[1], o[1]);
  const overlapping = ix > 0 && iy > 0;
  if (overlapping) {
    mask |= 1 << 5;
    return { mask, primary: 5 };
  }
  const gx = Math.max(0, -ix);
  const gy = Math.max(0, -iy);
  if (Math.sqrt(gx * gx + gy * gy) <= (config.nearFactor * (ws + hs + wo + ho)) / 4) mask |= 1 << 4;
  const nx = meanW > 0 ? Math.abs(dx) / meanW : Number.POSITIVE_INFINITY;
  const ny = meanH > 0 ? Math.abs(dy) / meanH : Number.POSITIVE_INFINITY;
  const primary = nx >= ny ? (dx > 0 ? 0 : 1) : dy > 0 ? 2 : 3;
  return { mask, primary };
}

/** The predicates that hold for (s, o) and the primary one; see `predicateMask` for the rules. */
export function spatialPredicates(
  s: Box,
  o: Box,
  config: RelationConfig = DEFAULT_RELATION_CONFIG,
): { predicates: Predicate[]; primary: Predicate } {
  const { mask, primary } = predicateMask(s, o, config);
  return { predicates: PREDICATES.filter((_, k) => (mask >> k) & 1), primary: PREDICATES[primary]! };
}

/** Relations of every ordered pair (i, j), i ≠ j, in the order i = 0…n−1, then j = 0…n−1. */
export function spatialRelations(
  boxes: readonly Box[],
  config: RelationConfig = DEFAULT_RELATION_CONFIG,
): SpatialRelation[] {
  const out: SpatialRelation[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = 0; j < boxes.length; j++) {
      if (i === j) continue;
      const { predicates, primary } = spatialPredicates(boxes[i]!, boxes[j]!, config);
      out.push({ subject: i, object: j, predicates, primary });
    }
  }
  return out;
}

/** Throws a RangeError for thresholds outside their ranges. */
export function validateRelationConfig(config: RelationConfig): void {
  if (!(config.directionMargin >= 0 && config.directionMargin < 1)) {
    throw new RangeError(`relations.directionMargin must be in [0, 1), got ${config.directionMargin}`);
  }
  if (!(config.nearFactor >= 0 && Number.isFinite(config.nearFactor))) {
    throw new RangeError(`relations.nearFactor must be a finite number ≥ 0, got ${config.nearFactor}`);
  }
}
