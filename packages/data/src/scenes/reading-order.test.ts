import { describe, expect, it } from 'vitest';
import type { Box } from '../proposals/box.js';
import { readingOrder } from './reading-order.js';
import { EMPTY_CAPTION, sceneCaption } from './scene-caption.js';

const at = (x: number, y: number, w = 10, h = 10): Box => [x, y, x + w, y + h];

describe('readingOrder', () => {
  it('reads rows top to bottom and left to right, grouping by the row anchor’s bottom edge', () => {
    // row 1: anchor A at y 0–10 (centre 5); B centre 9 < 10 joins; C centre 14 ≥ 10 opens row 2
    const boxes = [
      at(40, 4) /* B */,
      at(20, 9) /* C */,
      at(30, 0) /* A */,
      at(0, 12) /* D, centre 17 */,
      at(5, 40) /* E */,
    ];
    expect(readingOrder(boxes)).toEqual([2, 0, 3, 1, 4]);
  });

  it('is stable on ties and handles empty input', () => {
    expect(readingOrder([at(0, 0), at(0, 0), at(0, 0)])).toEqual([0, 1, 2]);
    expect(readingOrder([])).toEqual([]);
  });
});

describe('sceneCaption', () => {
  it('chains the objects in reading order with the primary predicate of consecutive pairs', () => {
    const objects = [
      { box: at(0, 0), className: '3' },
      { box: at(30, 2), className: '7' },
      { box: at(28, 40), className: '1' },
    ];
    expect(sceneCaption(objects)).toBe('a 3 left of a 7 above a 1');
    expect(sceneCaption(objects.slice(0, 1))).toBe('a 3');
    expect(sceneCaption([])).toBe(EMPTY_CAPTION);
    expect(
      sceneCaption([
        { box: at(0, 0), className: 'bag' },
        { box: at(5, 5), className: 'coat' },
      ]),
    ).toBe('a bag overlapping a coat');
  });
});
