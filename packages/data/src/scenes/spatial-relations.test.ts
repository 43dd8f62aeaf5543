import { describe, expect, it } from 'vitest';
import type { Box } from '../proposals/box.js';
import { PREDICATES, spatialPredicates, spatialRelations, validateRelationConfig } from './spatial-relations.js';

// 10×10 boxes; default τ = 0.5 (direction when centres differ by > 5 px), ν = 0.5 (near when gap ≤ 5 px)
const at = (x: number, y: number, w = 10, h = 10): Box => [x, y, x + w, y + h];

describe('spatial relations', () => {
  it('has a fixed predicate vocabulary', () => {
    expect(PREDICATES).toEqual(['left of', 'right of', 'above', 'below', 'near', 'overlapping']);
  });

  it('gives one direction to aligned pairs and two to diagonal pairs', () => {
    // side by side, 4 px gap: left of + near; reverse: right of + near
    expect(spatialPredicates(at(0, 0), at(14, 0))).toEqual({ predicates: ['left of', 'near'], primary: 'left of' });
    expect(spatialPredicates(at(14, 0), at(0, 0))).toEqual({ predicates: ['right of', 'near'], primary: 'right of' });
    // far below (gap 30 > 5): above only for the top one
    expect(spatialPredicates(at(0, 0), at(2, 40))).toEqual({ predicates: ['above'], primary: 'above' });
    expect(spatialPredicates(at(2, 40), at(0, 0))).toEqual({ predicates: ['below'], primary: 'below' });
    // vertical offset 4 ≤ 5: not above; horizontal offset 20 > 5: left of; gap 10 > 5: not near
    expect(spatialPredicates(at(0, 0), at(20, 4))).toEqual({ predicates: ['left of'], primary: 'left of' });
    // diagonal: dx = 20, dy = 30 → left of and above; primary along the larger normalised offset (30/10 > 20/10)
    expect(spatialPredicates(at(0, 0), at(20, 30))).toEqual({ predicates: ['left of', 'above'], primary: 'above' });
    expect(spatialPredicates(at(20, 30), at(0, 0))).toEqual({ predicates: ['right of', 'below'], primary: 'below' });
  });

  it('normalises offsets by the boxes’ extents for the primary direction', () => {
    // wide boxes (40×10) diagonal by dx = 45, dy = 15: raw dx > dy, but dx/40 = 1.125 < dy/10 = 1.5 → above
    expect(spatialPredicates(at(0, 0, 40, 10), at(45, 15, 40, 10))).toEqual({
      predicates: ['left of', 'above', 'near'],
      primary: 'above',
    });
    // equal normalised offsets → horizontal
    expect(spatialPredicates(at(0, 0), at(20, 20)).primary).toBe('left of');
  });

  it('makes overlapping the primary predicate when the boxes share area, and never near then', () => {
    expect(spatialPredicates(at(0, 0), at(4, 0))).toEqual({ predicates: ['overlapping'], primary: 'overlapping' });
    expect(spatialPredicates(at(0, 0), at(8, 0))).toEqual({
      predicates: ['left of', 'overlapping'],
      primary: 'overlapping',
    });
    expect(spatialPredicates(at(0, 0), at(6, 7))).toEqual({
      predicates: ['left of', 'above', 'overlapping'],
      primary: 'overlapping',
    });
    expect(spatialPredicates(at(0, 0, 30, 30), at(10, 10))).toEqual({
      predicates: ['overlapping'],
      primary: 'overlapping',
    });
    // touching edges do not overlap: gap 0 → near
    expect(spatialPredicates(at(0, 0), at(10, 0))).toEqual({ predicates: ['left of', 'near'], primary: 'left of' });
  });

  it('measures near by the Euclidean gap between the rectangles', () => {
    // gaps 4 and 3 → 5 ≤ 5: near; gaps 4 and 4 → 5.66 > 5: not near
    expect(spatialPredicates(at(0, 0), at(14, 13)).predicates).toContain('near');
    expect(spatialPredicates(at(0, 0), at(14, 14)).predicates).not.toContain('near');
    // a custom config: τ = 0 makes any offset a direction; ν = 2 widens near
    expect(spatialPredicates(at(0, 0), at(1, 30), { directionMargin: 0, nearFactor: 2 }).predicates).toEqual([
      'left of',
      'above',
      'near',
    ]);
  });

  it('lists every ordered pair with a primary among its predicates', () => {
    const boxes = [at(0, 0), at(30, 0), at(10, 40), at(12, 44)];
    const rel = spatialRelations(boxes);
    expect(rel).toHaveLength(12);
    expect(rel.map((r) => [r.subject, r.object])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 2],
      [1, 3],
      [2, 0],
      [2, 1],
      [2, 3],
      [3, 0],
      [3, 1],
      [3, 2],
    ]);
    for (const r of rel) expect(r.predicates).toContain(r.primary);
    expect(rel.find((r) => r.subject === 2 && r.object === 3)!.primary).toBe('overlapping');
  });

  it('validates thresholds', () => {
    expect(() => validateRelationConfig({ directionMargin: 1, nearFactor: 0.5 })).toThrow(/directionMargin/);
    expect(() => validateRelationConfig({ directionMargin: 0.5, nearFactor: -1 })).toThrow(/nearFactor/);
  });
});
