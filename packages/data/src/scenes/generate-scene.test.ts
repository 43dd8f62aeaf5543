import { describe, expect, it } from 'vitest';
import { boxIoU } from '../proposals/box.js';
import { bilinearResize } from './bilinear-resize.js';
import { generateScene } from './generate-scene.js';
import { itemPixels } from './item-source.js';
import { loadMnistItemSource } from './mnist-item-source.js';
import { readingOrder } from './reading-order.js';
import type { Scene } from './scene.js';
import { DEFAULT_SCENE_CONFIG, type SceneConfigInput } from './scene-config.js';

const source = await loadMnistItemSource();
const config: SceneConfigInput = {};
const scenes: Scene[] = Array.from({ length: 300 }, (_, i) => generateScene(source, config, 7, i));
const thr = DEFAULT_SCENE_CONFIG.inkThreshold;

/** Re-renders a scene from its objects' items and paste boxes. */
function render(scene: Scene): Float32Array {
  const img = new Float32Array(scene.height * scene.width);
  for (const o of scene.full.objects) {
    const [x1, y1, x2, y2] = o.pasteBox;
    const w = x2 - x1;
    const h = y2 - y1;
    const patch = new Float32Array(w * h);
    bilinearResize(itemPixels(source, o.itemIndex), 28, 28, patch, h, w);
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++)
        img[(y1 + r) * scene.width + x1 + c] = Math.max(img[(y1 + r) * scene.width + x1 + c]!, patch[r * w + c]!);
  }
  return img;
}

describe('generateScene', () => {
  it('is a pure function of (source, config, seed, index)', () => {
    const a = generateScene(source, {}, 7, 12);
    expect(generateScene(source, { ...config }, 7, 12)).toEqual(a);
    expect(a).toEqual(scenes[12]);
    expect(generateScene(source, config, 7, 13).image).not.toEqual(a.image);
    expect(generateScene(source, config, 8, 12).image).not.toEqual(a.image);
  });

  it('composites 1–4 rescaled items with max() at their paste boxes', () => {
    for (const s of scenes.slice(0, 50)) expect(render(s)).toEqual(s.image);
    const counts = scenes.map((s) => s.full.objects.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(4);
    for (const s of scenes) {
      expect(s.image.length).toBe(64 * 64);
      expect(s.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      for (const o of s.full.objects) {
        const [x1, y1, x2, y2] = o.pasteBox;
        expect(Math.max(x2 - x1, y2 - y1)).toBeGreaterThanOrEqual(16);
        expect(Math.max(x2 - x1, y2 - y1)).toBeLessThanOrEqual(32);
        expect(o.classId).toBe(source.labels[o.itemIndex]);
        expect(o.className).toBe(String(o.classId));
      }
    }
  });

  it('gives boxes inside the canvas that are tight around the ink', () => {
    for (const s of scenes) {
      const boxes = s.full.objects.map((o) => o.box);
      for (const [i, o] of s.full.objects.entries()) {
        const [x1, y1, x2, y2] = o.box;
        expect([x1, y1, x2, y2].every(Number.isInteger)).toBe(true);
        expect(x1 >= o.pasteBox[0] && y1 >= o.pasteBox[1] && x2 <= o.pasteBox[2] && y2 <= o.pasteBox[3]).toBe(true);
        expect(x1 >= 0 && y1 >= 0 && x2 <= 64 && y2 <= 64 && x2 > x1 && y2 > y1).toBe(true);
        // every border row and column of the box holds ink
        const ink = (x: number, y: number) => s.image[y * 64 + x]! > thr;
        const rowHasInk = (y: number) => Array.from({ length: x2 - x1 }, (_, k) => x1 + k).some((x) => ink(x, y));
        const colHasInk = (x: number) => Array.from({ length: y2 - y1 }, (_, k) => y1 + k).some((y) => ink(x, y));
        expect(rowHasInk(y1) && rowHasInk(y2 - 1) && colHasInk(x1) && colHasInk(x2 - 1)).toBe(true);
        // placements respect the maximum overlap
        for (let j = 0; j < i; j++)
          expect(boxIoU(o.box, boxes[j]!)).toBeLessThanOrEqual(DEFAULT_SCENE_CONFIG.maxOverlap);
      }
      // all ink lies in some box
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          if (s.image[y * 64 + x]! > thr)
            expect(boxes.some(([a, b, c, d]) => x >= a && x < c && y >= b && y < d)).toBe(true);
        }
      }
    }
  });

  it('boxes a single item exactly at the extent of the canvas ink', () => {
    for (let i = 0; i < 30; i++) {
      const s = generateScene(
        source,
        { minObjects: 1, maxObjects: 1, minItemSize: 20, maxItemSize: 40, width: 80, height: 48, inkThreshold: 0.5 },
        3,
        i,
      );
      let [x1, y1, x2, y2] = [80, 48, 0, 0];
      for (let y = 0; y < 48; y++) {
        for (let x = 0; x < 80; x++) {
          if (s.image[y * 80 + x]! > 0.5)
            [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        }
      }
      expect(s.objects.map((o) => o.box)).toEqual([[x1, y1, x2, y2]]);
    }
  });

  it('draws items from the pool only', () => {
    const pool = Int32Array.from({ length: source.labels.length }, (_, i) => i).filter((i) => source.labels[i]! < 3);
    const inPool = new Set(pool);
    for (let i = 0; i < 50; i++) {
      for (const o of generateScene(source, { pool }, 1, i).objects) {
        expect(inPool.has(o.itemIndex)).toBe(true);
        expect(o.classId).toBeLessThan(3);
      }
    }
  });

  it('keeps boxes disjoint with maxOverlap 0 and may drop items that do not fit', () => {
    let dropped = 0;
    for (let i = 0; i < 100; i++) {
      const s = generateScene(
        source,
        { maxOverlap: 0, minObjects: 6, maxObjects: 6, minItemSize: 24, maxItemSize: 32, placementTries: 5 },
        2,
        i,
      );
      const b = s.objects.map((o) => o.box);
      for (let p = 0; p < b.length; p++) for (let q = 0; q < p; q++) expect(boxIoU(b[p]!, b[q]!)).toBe(0);
      dropped += 6 - b.length;
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('derives labels, reading order, relations, questions and a caption from the objects', () => {
    let yes = 0;
    let no = 0;
    for (const s of scenes) {
      const classes = new Set(s.objects.map((o) => o.classId));
      expect(Array.from(s.labels)).toEqual(Array.from({ length: 10 }, (_, k) => (classes.has(k) ? 1 : 0)));
      expect(readingOrder(s.objects.map((o) => o.box))).toEqual(s.objects.map((_, i) => i));
      const n = s.objects.length;
      expect(s.relations).toHaveLength(n * (n - 1));
      expect(s.caption.startsWith(`a ${s.objects[0]!.className}`)).toBe(true);
      expect(s.caption.split(' a ')).toHaveLength(n);
      for (const q of s.questions) {
        let m: RegExpExecArray | null;
        if ((m = /^is there a (\d)\?$/.exec(q.text))) {
          expect(q.answer).toBe(classes.has(Number(m[1])) ? 'yes' : 'no');
          if (q.answer === 'yes') yes++;
          else no++;
        } else if ((m = /^how many (\d)\?$/.exec(q.text))) {
          const count = s.objects.filter((o) => o.classId === Number(m![1])).length;
          expect(q.answer).toBe(['zero', 'one', 'two', 'three', 'four'][count]);
        }
      }
    }
    expect(yes).toBe(no);
  });

  it('removes novel classes from the annotations but not from the image, keeping them in `full`', () => {
    const novelClasses = [3, 5];
    let novelSeen = 0;
    for (let i = 0; i < 100; i++) {
      const all = scenes[i]!;
      const s = generateScene(source, { novelClasses }, 7, i);
      expect(s.image).toEqual(all.image);
      expect(s.full.objects.map((o) => [o.id, o.box, o.itemIndex])).toEqual(
        all.objects.map((o) => [o.id, o.box, o.itemIndex]),
      );
      expect(s.full.labels).toEqual(all.labels);
      const novel = s.full.objects.filter((o) => o.novel);
      expect(novel.every((o) => novelClasses.includes(o.classId))).toBe(true);
      novelSeen += novel.length;
      expect(s.objects.map((o) => o.id).sort()).toEqual(
        s.full.objects
          .filter((o) => !o.novel)
          .map((o) => o.id)
          .sort(),
      );
      expect(s.labels[3]).toBe(0);
      expect(s.labels[5]).toBe(0);
      expect(s.relations).toHaveLength(s.objects.length * (s.objects.length - 1));
      expect(s.caption).not.toMatch(/\b[35]\b/);
      for (const q of s.questions) {
        expect(q.text).not.toMatch(/\b[35]\b/);
        expect(q.answer).not.toMatch(/^[35]$/);
      }
      if (novel.length > 0) expect(s.full.caption).toMatch(/\b[35]\b/);
    }
    expect(novelSeen).toBeGreaterThan(10);
  });

  it('validates the config', () => {
    expect(() => generateScene(source, { maxItemSize: 65 }, 1, 0)).toThrow(
      /maxItemSize must be an integer in \[16, 64\]/,
    );
    expect(() => generateScene(source, { minObjects: 3, maxObjects: 2 }, 1, 0)).toThrow(/maxObjects/);
    expect(() => generateScene(source, { maxObjects: 21 }, 1, 0)).toThrow(/maxObjects/);
    expect(() => generateScene(source, { pool: Int32Array.of(0, 10_000) }, 1, 0)).toThrow(/pool holds 10000/);
    expect(() => generateScene(source, { novelClasses: [10] }, 1, 0)).toThrow(/novelClasses holds 10/);
    expect(() => generateScene(source, { positionGrid: 4 }, 1, 0)).toThrow(/position grid must be 2 or 3/);
    expect(() => generateScene(source, { relations: { directionMargin: 2 } }, 1, 0)).toThrow(/directionMargin/);
  });
});
