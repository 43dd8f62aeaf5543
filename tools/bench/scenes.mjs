#!/usr/bin/env node
// Scene generation speed: N 64×64 multi-object MNIST scenes (1–4 digits of 16–32 px) with both
// region-proposal sources (DEFAULT_PROPOSAL_CONFIG = A, BIASED_PROPOSAL_CONFIG = B), on one core
// (one Node thread, no workers, no tensors). Goal: 10,000 scenes in under 30 s.
//   node tools/bench/scenes.mjs [--scenes 10000] [--seed 1]
// Imports the BUILT package: '@kd/data' when its index exports the scene API, otherwise the
// compiled files under packages/data/dist/ (run `npx nx run @kd/data:build` or
// `npm run build -w @kd/data` first); KD_SCENES_DIST=<dir> points at another compiled src folder.
// Prints one line
//   scenes n=<n> total_s=<s> per_scene_ms=<ms> generate_s=<s> proposals_a_s=<s> proposals_b_s=<s> objects=<mean> recall_a=<r> recall_b=<r> proposals_a=<mean> proposals_b=<mean>
// (recall = fraction of objects covered at IoU ≥ 0.5 by the top-32; MNIST loading is not timed).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const count = Number(arg('scenes', '10000'));
const seed = Number(arg('seed', '1'));

async function loadApi() {
  const dist = process.env.KD_SCENES_DIST ?? join(here, '..', '..', 'packages', 'data', 'dist');
  if (!process.env.KD_SCENES_DIST) {
    try {
      const m = await import('@kd/data');
      if (m.generateScene && m.proposals && m.BIASED_PROPOSAL_CONFIG) return { ...m, from: '@kd/data' };
    } catch {
      // fall through to the compiled files
    }
  }
  const file = (p) => {
    const f = join(dist, p);
    if (!existsSync(f)) throw new Error(`${f} not found: build @kd/data first (or set KD_SCENES_DIST)`);
    return import(pathToFileURL(f).href);
  };
  const parts = await Promise.all(
    ['scenes/mnist-item-source.js', 'scenes/generate-scene.js', 'proposals/proposals.js', 'proposals/proposal-config.js', 'proposals/edge-map.js', 'proposals/proposal-recall.js'].map(file),
  );
  return { ...Object.assign({}, ...parts), from: dist };
}

const api = await loadApi();
const { loadMnistItemSource, generateScene, proposals, edgeMap, proposalRecall, DEFAULT_PROPOSAL_CONFIG, BIASED_PROPOSAL_CONFIG } = api;
const source = await loadMnistItemSource();
const config = { height: 64, width: 64, minObjects: 1, maxObjects: 4, minItemSize: 16, maxItemSize: 32 };
const seedA = seed + 1;
const seedB = seed + 2;

let tGen = 0;
let tA = 0;
let tB = 0;
let objects = 0;
let recallA = 0;
let recallB = 0;
let countA = 0;
let countB = 0;
const start = performance.now();
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  const scene = generateScene(source, config, seed, i);
  const t1 = performance.now();
  const edges = edgeMap(scene.image, scene.height, scene.width);
  const a = proposals(scene, DEFAULT_PROPOSAL_CONFIG, seedA, edges);
  const t2 = performance.now();
  const b = proposals(scene, BIASED_PROPOSAL_CONFIG, seedB, edges);
  const t3 = performance.now();
  tGen += t1 - t0;
  tA += t2 - t1;
  tB += t3 - t2;
  const boxes = scene.full.objects.map((o) => o.box);
  objects += boxes.length;
  recallA += proposalRecall(boxes, a.boxes, 0.5) * boxes.length;
  recallB += proposalRecall(boxes, b.boxes, 0.5) * boxes.length;
  countA += a.count;
  countB += b.count;
}
const total = (performance.now() - start) / 1000;
console.error(`# from ${api.from}, node ${process.version}`);
console.log(
  `scenes n=${count} total_s=${total.toFixed(2)} per_scene_ms=${((total * 1000) / count).toFixed(3)} ` +
    `generate_s=${(tGen / 1000).toFixed(2)} proposals_a_s=${(tA / 1000).toFixed(2)} proposals_b_s=${(tB / 1000).toFixed(2)} ` +
    `objects=${(objects / count).toFixed(2)} recall_a=${(recallA / objects).toFixed(3)} recall_b=${(recallB / objects).toFixed(3)} ` +
    `proposals_a=${(countA / count).toFixed(1)} proposals_b=${(countB / count).toFixed(1)}`,
);
if (total > 30) {
  console.error(`scenes: ${total.toFixed(1)} s is over the 30 s goal`);
  process.exitCode = 1;
}
