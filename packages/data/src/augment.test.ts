import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import {
  compose,
  identity,
  randomHorizontalFlip,
  randomTranslate,
  translate,
  type ImageShape,
  type ImageTransform,
} from './augment.js';

const shape: ImageShape = { height: 4, width: 5, channels: 1 };
const img = Float32Array.from({ length: 20 }, (_, i) => i + 1);
const at = (a: Float32Array, y: number, x: number) => a[y * 5 + x];

describe('translate', () => {
  it('shifts content and zero-fills', () => {
    const out = new Float32Array(20);
    translate(img, out, 4, 5, 1, 1, 2);
    expect(at(out, 0, 0)).toBe(0);
    expect(at(out, 1, 1)).toBe(0);
    expect(at(out, 1, 2)).toBe(at(img, 0, 0));
    expect(at(out, 3, 4)).toBe(at(img, 2, 2));
    translate(img, out, 4, 5, 1, -1, -1, -5);
    expect(at(out, 0, 0)).toBe(at(img, 1, 1));
    expect(at(out, 3, 0)).toBe(-5);
    expect(at(out, 0, 4)).toBe(-5);
    translate(img, out, 4, 5, 1, 0, 0);
    expect(out).toEqual(img);
    translate(img, out, 4, 5, 1, 0, 7);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('handles multi-channel images', () => {
    const rgb = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i + 1);
    const out = new Float32Array(12);
    translate(rgb, out, 2, 2, 3, 0, 1);
    expect([...out]).toEqual([0, 0, 0, 1, 2, 3, 0, 0, 0, 7, 8, 9]);
  });
});

describe('randomTranslate', () => {
  it('is deterministic per rng seed and stays within ±maxShift', () => {
    const t = randomTranslate(2);
    const a = new Float32Array(20);
    const b = new Float32Array(20);
    t.apply(img, a, shape, new Rng(11));
    t.apply(img, b, shape, new Rng(11));
    expect(a).toEqual(b);
    const outcomes = new Set<string>();
    for (let s = 0; s < 200; s++) {
      t.apply(img, a, shape, new Rng(s));
      outcomes.add(a.join(','));
    }
    expect(outcomes.size).toBe(25); // every (dy, dx) in [-2, 2]² occurs
  });

  it('rejects a bad shift', () => {
    expect(() => randomTranslate(-1)).toThrow();
    expect(() => randomTranslate(1.5)).toThrow();
  });
});

describe('randomHorizontalFlip and compose', () => {
  it('flips with probability p', () => {
    const out = new Float32Array(20);
    randomHorizontalFlip(1).apply(img, out, shape, new Rng(0));
    expect(at(out, 2, 0)).toBe(at(img, 2, 4));
    randomHorizontalFlip(0).apply(img, out, shape, new Rng(0));
    expect(out).toEqual(img);
  });

  it('composes transforms in order, deterministically, without touching the source', () => {
    const shiftRight: ImageTransform = {
      name: 'right',
      apply: (s, d, sh) => translate(s, d, sh.height, sh.width, sh.channels, 0, 1),
    };
    const flip = randomHorizontalFlip(1);
    const t = compose(shiftRight, flip, identity);
    expect(t.name).toBe('right → hflip(1) → identity');
    const out = new Float32Array(20);
    const copy = img.slice();
    t.apply(img, out, shape, new Rng(3));
    expect(img).toEqual(copy);
    // shift right then flip: column x of the result is column (4 - x) - 1 of the source; column 4 is filled.
    expect(at(out, 1, 0)).toBe(at(img, 1, 3));
    expect(at(out, 1, 4)).toBe(0);
    const again = new Float32Array(20);
    const random = compose(randomTranslate(1), randomHorizontalFlip());
    random.apply(img, out, shape, new Rng(9));
    random.apply(img, again, shape, new Rng(9));
    expect(again).toEqual(out);
    expect(compose()).toBe(identity);
  });
});
