import { Rng, deriveSeed } from '@kd/core';
import { boxIoUAt, type Box } from '../proposals/box.js';
import { bilinearResize } from './bilinear-resize.js';
import { itemCount, itemPixels, type ItemSource } from './item-source.js';
import type { Scene, SceneObject } from './scene.js';
import { annotateObjects } from './scene-annotations.js';
import { resolveSceneConfig, type ResolvedSceneConfig, type SceneConfigInput } from './scene-config.js';

/**
 * Scene `index` of the scene family `seed`: a pure function of (source, config, seed, index).
 *
 * The rng `deriveSeed(seed, 'scene', index)` draws the item count n, uniform in
 * [minObjects, maxObjects]; then per item: the item (uniform over `pool`, or over all items), its
 * size s (uniform integer in [minItemSize, maxItemSize]; the longer side becomes s, the other
 * round(s · ratio), at least 1), and up to `placementTries` positions (x uniform in [0, W − w],
 * y in [0, H − h], integers). The item is bilinearly rescaled (`bilinearResize`); its box is the
 * tight box of its ink (pixels > inkThreshold) at the position. A position is accepted when that box
 * has IoU ≤ maxOverlap with every box placed so far; an item whose tries all fail, or whose rescaled
 * image has no ink, is dropped (so a scene may hold fewer than n objects, never fewer than one
 * when minObjects ≥ 1 and items have ink, since the first placement always succeeds). Accepted
 * items are composited with max() onto a zero canvas.
 *
 * Annotations: `scene.*` are the base annotations (objects of `novelClasses` removed), `scene.full`
 * those of every object (`annotateObjects`); questions use rng `deriveSeed(seed, 'questions', index)`,
 * the relations' true-or-false queries `deriveSeed(seed, 'triple-queries', index)`.
 */
export function generateScene(
  source: ItemSource,
  config: SceneConfigInput | ResolvedSceneConfig,
  seed: number,
  index: number,
): Scene {
  const cfg = resolveSceneConfig(source, config);
  const { height: H, width: W, pool, inkThreshold } = cfg;
  const rng = new Rng(deriveSeed(seed, 'scene', index));
  const image = new Float32Array(H * W);
  const n = cfg.minObjects + rng.int(cfg.maxObjects - cfg.minObjects + 1);
  const itemH = source.height;
  const itemW = source.width;
  const longer = Math.max(itemH, itemW);
  const total = itemCount(source);
  const placed: number[] = []; // flat ink boxes of accepted objects
  const objects: SceneObject[] = [];
  for (let k = 0; k < n; k++) {
    const item = pool ? pool[rng.int(pool.length)]! : rng.int(total);
    const size = cfg.minItemSize + rng.int(cfg.maxItemSize - cfg.minItemSize + 1);
    const ph = Math.max(1, Math.round((size * itemH) / longer));
    const pw = Math.max(1, Math.round((size * itemW) / longer));
    const patch = new Float32Array(ph * pw);
    bilinearResize(itemPixels(source, item), itemH, itemW, patch, ph, pw);
    const ink = inkExtent(patch, ph, pw, inkThreshold);
    if (!ink) continue;
    const candidate = [0, 0, 0, 0];
    let x = -1;
    let y = -1;
    for (let t = 0; t < cfg.placementTries; t++) {
      const tx = rng.int(W - pw + 1);
      const ty = rng.int(H - ph + 1);
      candidate[0] = tx + ink[0];
      candidate[1] = ty + ink[1];
      candidate[2] = tx + ink[2];
      candidate[3] = ty + ink[3];
      let ok = true;
      for (let j = 0; j < placed.length / 4; j++) {
        if (boxIoUAt(candidate, 0, placed, j) > cfg.maxOverlap) {
          ok = false;
          break;
        }
      }
      if (ok) {
        x = tx;
        y = ty;
        break;
      }
    }
    if (x < 0) continue;
    placed.push(...candidate);
    composite(image, W, patch, ph, pw, x, y);
    const classId = source.labels[item]!;
    objects.push({
      id: objects.length,
      box: [candidate[0]!, candidate[1]!, candidate[2]!, candidate[3]!] as Box,
      pasteBox: [x, y, x + pw, y + ph],
      classId,
      className: source.classNames[classId]!,
      itemIndex: item,
      novel: cfg.novelMask[classId] === 1,
    });
  }
  const questionSeed = deriveSeed(seed, 'questions', index);
  const querySeed = deriveSeed(seed, 'triple-queries', index);
  const full = annotateObjects(objects, () => true, cfg, false, questionSeed, querySeed);
  const base =
    cfg.baseClasses.length === cfg.numClasses
      ? full
      : annotateObjects(objects, (o) => !o.novel, cfg, true, questionSeed, querySeed);
  return { index, height: H, width: W, image, ...base, full };
}

/** [c0, r0, c1 + 1, r1 + 1] of the pixels > threshold, or null when there are none. */
function inkExtent(
  patch: Float32Array,
  h: number,
  w: number,
  threshold: number,
): [number, number, number, number] | null {
  let c0 = w;
  let r0 = h;
  let c1 = -1;
  let r1 = -1;
  for (let r = 0; r < h; r++) {
    const row = r * w;
    for (let c = 0; c < w; c++) {
      if (patch[row + c]! > threshold) {
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
        if (r < r0) r0 = r;
        r1 = r;
      }
    }
  }
  return c1 < 0 ? null : [c0, r0, c1 + 1, r1 + 1];
}

/** canvas = max(canvas, patch) over the patch placed at (x, y). */
function composite(
  canvas: Float32Array,
  canvasW: number,
  patch: Float32Array,
  ph: number,
  pw: number,
  x: number,
  y: number,
): void {
  for (let r = 0; r < ph; r++) {
    const to = (y + r) * canvasW + x;
    const from = r * pw;
    for (let c = 0; c < pw; c++) {
      const v = patch[from + c]!;
      if (v > canvas[to + c]!) canvas[to + c] = v;
    }
  }
}
