import type { Rng } from '@kd/core';
import { PREDICATES, type Predicate, type SpatialRelation } from './spatial-relations.js';

/** How a queried triple was made: a predicate that holds, or a false one. */
export type TripleQueryKind = 'true' | 'perturbed' | 'swapped';

/**
 * A SpatialSense-like query on one ordered pair: "does ⟨subject⟩ ⟨predicate⟩ ⟨object⟩ hold?".
 * `truth` is whether the predicate holds for the pair (`kind` 'true'), else false.
 */
export interface TripleQuery {
  readonly predicate: Predicate;
  readonly truth: boolean;
  /**
   * 'true': a predicate that holds; 'perturbed': the predicate replaced by one that does not hold;
   * 'swapped': the roles swapped — a predicate that holds for (object, subject) but not for
   * (subject, object), e.g. "A left of B" asked as "B left of A".
   */
  readonly kind: TripleQueryKind;
}

/**
 * One query per relation (same order), SpatialSense-like triple verification (Yang et al. 2019: its
 * negatives are adversarial — a perturbed predicate, or the roles swapped): half the queries are
 * true (a predicate that holds, uniform), half false; a false one swaps the roles when some
 * predicate holds for the reversed pair and not for this one (probability ½), otherwise it
 * perturbs the predicate (uniform over those that do not hold). Draws from `rng` only.
 */
export function tripleQueries(relations: readonly SpatialRelation[], rng: Rng): TripleQuery[] {
  const byPair = new Map(relations.map((r) => [`${r.subject},${r.object}`, r]));
  return relations.map((r) => {
    const holds = new Set<Predicate>(r.predicates);
    const truth = rng.int(2) === 1;
    const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
    if (truth) return { predicate: pick(r.predicates), truth, kind: 'true' };
    const reversed = byPair.get(`${r.object},${r.subject}`)?.predicates ?? [];
    const swapped = reversed.filter((p) => !holds.has(p));
    const wantSwap = rng.int(2) === 1;
    if (wantSwap && swapped.length > 0) return { predicate: pick(swapped), truth, kind: 'swapped' };
    return { predicate: pick(PREDICATES.filter((p) => !holds.has(p))), truth, kind: 'perturbed' };
  });
}
