import { describe, expect, it } from 'vitest';
import { attributeWords, positionPhrase } from './attribute-words.js';
import { measureImageAttributes } from './image-attributes.js';
import { diagonalImage, rectImage } from './test-images.js';

const measure = (img: { data: Float32Array; shape: [number, number, number] }) =>
  measureImageAttributes(img.data, img.shape);

describe('measureImageAttributes', () => {
  it('measures a centred filled square', () => {
    const a = measure(rectImage(28, 9, 9, 18, 18)); // 10×10
    expect(a.inkArea).toBe(100);
    expect(a.box).toEqual({ x0: 9, y0: 9, x1: 18, y1: 18 });
    expect(a.size).toBeCloseTo(10 / 28);
    expect(a.center.x).toBeCloseTo(0.5);
    expect(a.center.y).toBeCloseTo(0.5);
    expect(a.brightness).toBeCloseTo(1);
    expect(a.inkRatio).toBe(1);
    expect(a.strokeThickness).toBeCloseTo(5); // 2·100 / 40
    expect(a.elongation).toBeCloseTo(1);
    const w = attributeWords(a);
    expect(w.orientation).toBeNull();
    expect(positionPhrase(w.horizontal!, w.vertical!)).toBe('in the centre');
  });

  it('places a blob in the corner', () => {
    const a = measure(rectImage(28, 0, 0, 3, 3, 0.5));
    expect(a.center.x).toBeCloseTo(2 / 28);
    expect(a.center.y).toBeCloseTo(2 / 28);
    expect(a.brightness).toBeCloseTo(0.5);
    const w = attributeWords(a);
    expect(positionPhrase(w.horizontal!, w.vertical!)).toBe('near the top left');
    expect(w.size).toBe(0); // small
    expect(w.brightness).toBe(1); // moderately bright
    const b = attributeWords(measure(rectImage(28, 20, 24, 27, 27)));
    expect(positionPhrase(b.horizontal!, b.vertical!)).toBe('near the bottom right');
  });

  it('tells horizontal from vertical bars and the two diagonals', () => {
    const h = measure(rectImage(28, 4, 12, 23, 14));
    const v = measure(rectImage(28, 12, 4, 14, 23));
    expect(h.orientation).toBeCloseTo(0);
    expect(Math.abs(v.orientation)).toBeCloseTo(90);
    expect(h.elongation).toBeGreaterThan(5);
    expect(attributeWords(h).orientation).toBe(1); // horizontal
    expect(attributeWords(v).orientation).toBe(3); // vertical
    // image y points down: dy = -1 rises to the right
    const rising = measure(diagonalImage(28, 4, 23, 20, -1));
    const falling = measure(diagonalImage(28, 4, 4, 20, 1));
    expect(rising.orientation).toBeCloseTo(45);
    expect(falling.orientation).toBeCloseTo(-45);
    expect(attributeWords(rising).orientation).toBe(2);
    expect(attributeWords(falling).orientation).toBe(0);
  });

  it('estimates stroke thickness of bars by their width', () => {
    expect(measure(rectImage(28, 4, 12, 23, 12)).strokeThickness).toBeCloseTo(40 / 42); // 1-wide: 2·20/42
    expect(measure(rectImage(28, 4, 10, 23, 13)).strokeThickness).toBeCloseTo(160 / 48); // 4-wide: 2·80/48
    expect(attributeWords(measure(rectImage(28, 4, 12, 23, 12))).thickness).toBe(0);
    expect(attributeWords(measure(rectImage(28, 4, 8, 23, 15))).thickness).toBe(2);
  });

  it('sees texture in a checkerboard but not in a flat square', () => {
    const checker = rectImage(28, 6, 6, 21, 21);
    for (let y = 6; y <= 21; y++) for (let x = 6; x <= 21; x++) checker.data[y * 28 + x] = (x + y) % 2 === 0 ? 1 : 0.5;
    const flat = measure(rectImage(28, 6, 6, 21, 21));
    const textured = measure(checker);
    expect(textured.texture).toBeGreaterThan(flat.texture);
    expect(attributeWords(textured).texture).toBe(2);
    expect(attributeWords(flat).texture).toBe(0);
  });

  it('averages channels and returns zeros for a blank image', () => {
    const rgb = new Float32Array(4 * 4 * 3);
    rgb.set([0.9, 0.6, 0.3], (1 * 4 + 2) * 3);
    const a = measureImageAttributes(rgb, [4, 4, 3]);
    expect(a.inkArea).toBe(1);
    expect(a.brightness).toBeCloseTo(0.6);
    expect(a.box).toEqual({ x0: 2, y0: 1, x1: 2, y1: 1 });
    const blank = measureImageAttributes(new Float32Array(16), [4, 4, 1]);
    expect(blank.inkArea).toBe(0);
    expect(attributeWords(blank).size).toBeNull();
    expect(() => measureImageAttributes(new Float32Array(15), [4, 4, 1])).toThrow(/15 values/);
  });
});
