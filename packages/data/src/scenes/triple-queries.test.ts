import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { spatialRelations, type Predicate } from './spatial-relations.js';
import { tripleQueries } from './triple-queries.js';
import type { Box } from '../proposals/box.js';

/** Random layouts of 2–5 boxes on a 64×64 canvas. */
function layouts(count: number, seed: number): Box[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: 2 + rng.int(4) }, () => {
      const w = 8 + rng.int(16);
      const h = 8 + rng.int(16);
      const x = rng.int(64 - w);
      const y = rng.int(64 - h);
      return [x, y, x + w, y + h] as Box;
    }),
  );
}

describe('tripleQueries: SpatialSense-like true-or-false queries, one per relation', () => {
  const scenes = layouts(400, 3).map((boxes, i) => {
    const relations = spatialRelations(boxes);
    return { relations, queries: tripleQueries(relations, new Rng(7000 + i)) };
  });
  const all = scenes.flatMap((s) => s.queries.map((q, j) => ({ q, r: s.relations[j]!, relations: s.relations })));

  it('a true query asks a predicate that holds; a false one a predicate that does not', () => {
    for (const { q, r } of all) {
      expect(r.predicates.includes(q.predicate), `${q.kind} ${q.predicate} of ${r.predicates}`).toBe(q.truth);
      expect(q.kind === 'true').toBe(q.truth);
    }
  });

  it("a 'swapped' query holds for the reversed pair; 'perturbed' is used only when no swap exists or the coin said so", () => {
    for (const { q, r, relations } of all) {
      const reversed = relations.find((x) => x.subject === r.object && x.object === r.subject)!;
      if (q.kind === 'swapped') expect(reversed.predicates.includes(q.predicate)).toBe(true);
    }
    const kinds = (k: string) => all.filter(({ q }) => q.kind === k).length;
    // half true, and of the false ones about half swapped (directions flip with the roles; near / overlapping do not)
    expect(kinds('true') / all.length).toBeGreaterThan(0.45);
    expect(kinds('true') / all.length).toBeLessThan(0.55);
    expect(kinds('swapped') / all.length).toBeGreaterThan(0.15);
    expect(kinds('perturbed') / all.length).toBeGreaterThan(0.25);
  });

  it('every predicate is asked, true and false', () => {
    const asked = (truth: boolean) =>
      new Set<Predicate>(all.filter(({ q }) => q.truth === truth).map(({ q }) => q.predicate));
    expect(asked(true).size).toBe(6);
    expect(asked(false).size).toBe(6);
  });

  it('the same rng seed gives the same queries', () => {
    const { relations } = scenes[5]!;
    expect(tripleQueries(relations, new Rng(7005))).toEqual(scenes[5]!.queries);
  });
});
