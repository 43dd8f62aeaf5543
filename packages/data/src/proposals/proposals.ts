import { Rng, deriveSeed } from '@kd/core';
import type { Box } from './box.js';
import { edgeMap, type EdgeMap } from './edge-map.js';
import { jitteredBoxes } from './jittered-boxes.js';
import { nonMaxSuppression } from './nms.js';
import { objectness } from './objectness.js';
import { validateProposalConfig, type ProposalConfig } from './proposal-config.js';
import { randomBoxes } from './random-boxes.js';
import { slidingWindows } from './sliding-windows.js';

/** What proposals need from a scene (a `Scene` is one). */
export interface ProposalInput {
  readonly index: number;
  readonly height: number;
  readonly width: number;
  /** [H·W] row-major, one channel. */
  readonly image: Float32Array;
  /** The annotated objects. */
  readonly objects: readonly { readonly box: Box }[];
  /** Every object in the image, annotated or not (novel). */
  readonly full: { readonly objects: readonly { readonly box: Box }[] };
}

/** The proposals of one scene, best first. */
export interface RegionProposals {
  /** [count·4] flat x1, y1, x2, y2 in continuous pixel coordinates, inside the canvas. */
  readonly boxes: Float32Array;
  /** [count] objectness (+ noise when the config has `scoreNoise`), descending. */
  readonly scores: Float32Array;
  readonly count: number;
}

const validated = new WeakSet<ProposalConfig>();

/**
 * Class-agnostic region proposals of a scene, a pure function of (scene, config, seed). The rng
 * `deriveSeed(seed, 'proposals', scene.index)` draws, in order: the jittered boxes of each object
 * (`config.objects`, in annotation order), the random boxes, then one normal per candidate for the
 * score noise (only when `scoreNoise` > 0). Candidates are [jittered…, windows…, random…]; each is
 * scored by `objectness` on the scene's edge map, and NMS keeps the top `topK` (ties: earlier
 * candidate first). Pass `edges` (= `edgeMap(scene.image, H, W)`) to share one edge map between
 * several sources.
 */
export function proposals(
  scene: ProposalInput,
  config: ProposalConfig,
  seed: number,
  edges?: EdgeMap,
): RegionProposals {
  if (!validated.has(config)) {
    validateProposalConfig(config);
    validated.add(config);
  }
  const { height, width } = scene;
  const map = edges ?? edgeMap(scene.image, height, width);
  const rng = new Rng(deriveSeed(seed, 'proposals', scene.index));
  const candidates: number[] = [];
  const objects = config.objects === 'all' ? scene.full.objects : scene.objects;
  jitteredBoxes(
    objects.map((o) => o.box),
    config.jitter,
    rng,
    height,
    width,
    candidates,
  );
  slidingWindows(config.windows, height, width, candidates);
  randomBoxes(config.randomBoxes, rng, height, width, candidates);

  const n = candidates.length / 4;
  const scores = new Float64Array(n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const s = objectness(
      map,
      candidates[4 * i]!,
      candidates[4 * i + 1]!,
      candidates[4 * i + 2]!,
      candidates[4 * i + 3]!,
      config.objectness,
    );
    scores[i] = s;
    if (Math.abs(s) > maxAbs) maxAbs = Math.abs(s);
  }
  if (config.scoreNoise > 0) {
    const sd = config.scoreNoise * (maxAbs > 0 ? maxAbs : 1);
    for (let i = 0; i < n; i++) scores[i] = scores[i]! + sd * rng.normal();
  }
  const keep = nonMaxSuppression(candidates, scores, config.nmsIoU, config.topK);
  const boxes = new Float32Array(keep.length * 4);
  const kept = new Float32Array(keep.length);
  keep.forEach((i, k) => {
    for (let j = 0; j < 4; j++) boxes[4 * k + j] = candidates[4 * i + j]!;
    kept[k] = scores[i]!;
  });
  return { boxes, scores: kept, count: keep.length };
}
