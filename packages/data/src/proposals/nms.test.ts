import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { boxIoUAt } from './box.js';
import { nonMaxSuppression } from './nms.js';

/** A plain full-sort greedy NMS to compare against. */
function reference(boxes: number[], scores: number[], thr: number, max: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= max) break;
    if (kept.every((j) => boxIoUAt(boxes, i, boxes, j) <= thr)) kept.push(i);
  }
  return kept;
}

describe('nonMaxSuppression', () => {
  it('keeps the best box and drops those overlapping it by more than the threshold (hand-computed)', () => {
    // 0: [0,0,10,10] s=0.9; 1: [1,0,11,10] s=0.8, IoU(0,1) = 90/110 = 0.818;
    // 2: [5,0,15,10] s=0.7, IoU(0,2) = 50/150 = 0.333, IoU(1,2) = 60/140 = 0.429;
    // 3: [20,20,30,30] s=0.95, disjoint from all.
    const boxes = [0, 0, 10, 10, 1, 0, 11, 10, 5, 0, 15, 10, 20, 20, 30, 30];
    const scores = [0.9, 0.8, 0.7, 0.95];
    expect(Array.from(nonMaxSuppression(boxes, scores, 0.5))).toEqual([3, 0, 2]);
    expect(Array.from(nonMaxSuppression(boxes, scores, 0.3))).toEqual([3, 0]);
    expect(Array.from(nonMaxSuppression(boxes, scores, 0.85))).toEqual([3, 0, 1, 2]);
    // the threshold is exclusive: IoU(0, 2) = 1/3 exactly is kept at 1/3
    expect(Array.from(nonMaxSuppression([0, 0, 10, 10, 5, 0, 15, 10], [1, 0.5], 1 / 3))).toEqual([0, 1]);
    expect(Array.from(nonMaxSuppression(boxes, scores, 0.5, 2))).toEqual([3, 0]);
    expect(Array.from(nonMaxSuppression(boxes, scores, 0.5, 0))).toEqual([]);
    expect(Array.from(nonMaxSuppression([], [], 0.5))).toEqual([]);
  });

  it('breaks score ties by the lower index', () => {
    const boxes = [0, 0, 4, 4, 0, 0, 4, 4, 10, 10, 12, 12];
    expect(Array.from(nonMaxSuppression(boxes, [0.5, 0.5, 0.5], 0.5))).toEqual([0, 2]);
  });

  it('matches a full-sort reference on random boxes, including when the first sorted candidates run out', () => {
    const rng = new Rng(3);
    for (const [n, thr, max] of [
      [50, 0.5, 10],
      [500, 0.7, 32],
      [500, 0.05, 40], // low threshold: most candidates are suppressed, forcing the second phase
      [300, 0.3, 1000],
    ] as const) {
      const boxes: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = rng.next() * 50;
        const y = rng.next() * 50;
        boxes.push(x, y, x + 4 + rng.next() * 20, y + 4 + rng.next() * 20);
        scores.push(Math.round(rng.next() * 20) / 20); // many ties
      }
      expect(Array.from(nonMaxSuppression(boxes, scores, thr, max))).toEqual(reference(boxes, scores, thr, max));
    }
  });

  it('rejects mismatched inputs', () => {
    expect(() => nonMaxSuppression([0, 0, 1, 1], [1, 2], 0.5)).toThrow(/1 boxes but 2 scores/);
  });
});
