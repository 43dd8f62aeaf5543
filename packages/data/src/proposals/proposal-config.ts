import type { JitterConfig } from './jittered-boxes.js';
import { DEFAULT_OBJECTNESS, type ObjectnessConfig } from './objectness.js';
import type { RandomBoxConfig } from './random-boxes.js';
import type { WindowConfig } from './sliding-windows.js';

/**
 * One class-agnostic region-proposal source. Candidates = jittered boxes around objects + sliding
 * windows + random boxes; each is scored by `objectness` (plus optional noise); greedy NMS at
 * `nmsIoU` keeps the best `topK`.
 */
export interface ProposalConfig {
  readonly jitter: JitterConfig;
  readonly windows: WindowConfig;
  readonly randomBoxes: RandomBoxConfig;
  readonly objectness: ObjectnessConfig;
  /**
   * Standard deviation of Gaussian noise added to every candidate's score, as a fraction of the
   * largest |score| among the scene's candidates (0 = exact objectness order). Reorders candidates,
   * as a weaker detector would.
   */
  readonly scoreNoise: number;
  /** NMS suppresses a candidate whose IoU with a kept one is greater than this. */
  readonly nmsIoU: number;
  /** At most this many proposals per scene (the batch pads to it). */
  readonly topK: number;
  /**
   * Which objects the jittered boxes surround: `all` (also novel ones, as a class-agnostic
   * proposal network would find them — ViLD) or `annotated` only.
   */
  readonly objects: 'all' | 'annotated';
}

/**
 * Proposal source A (e.g. the teacher's detector): tight jitter around objects (4 per object, centre
 * ±5 %, size ±10 %), windows of 12–48 px with h/w 1 and 1.6 every 4 px, objectness κ = 2 with a
 * 20 % ring, exact objectness order, NMS 0.7, top 32. On 64×64 MNIST scenes of 1–4 digits of
 * 16–32 px it covers ≈ 97 % of the objects at IoU ≥ 0.5 (≈ 93 % from the windows alone), ≈ 94 % at 0.7.
 */
export const DEFAULT_PROPOSAL_CONFIG: ProposalConfig = Object.freeze({
  jitter: Object.freeze({ perObject: 4, center: 0.05, scale: 0.1, sizeBias: 1 }),
  windows: Object.freeze({
    sizes: Object.freeze([12, 16, 24, 32, 48]),
    aspectRatios: Object.freeze([1, 1.6]),
    stride: 4,
  }),
  randomBoxes: Object.freeze({ count: 0, minSize: 8, maxSize: 32 }),
  objectness: DEFAULT_OBJECTNESS,
  scoreNoise: 0,
  nmsIoU: 0.7,
  topK: 32,
  objects: 'all',
});

/**
 * Proposal source B, biased differently from A so that two models see misaligned regions
 * (DistillVLM's teacher and student detectors): looser boxes (×1.2) with three times the centre
 * jitter and twice the size jitter, non-square windows (h/w 0.67 and 1.5) of other sizes on a
 * coarser 6 px grid, a flatter perimeter normaliser (κ = 1, favours larger boxes) with a wider ring (30 %),
 * 12 random false boxes, noisy scores (10 % of the best score), NMS 0.6, top 32. On the scenes
 * above it covers ≈ 90 % of the objects at IoU ≥ 0.5 but only ≈ 31 % at IoU ≥ 0.7.
 */
export const BIASED_PROPOSAL_CONFIG: ProposalConfig = Object.freeze({
  jitter: Object.freeze({ perObject: 4, center: 0.15, scale: 0.2, sizeBias: 1.2 }),
  windows: Object.freeze({ sizes: Object.freeze([20, 28, 40]), aspectRatios: Object.freeze([0.67, 1.5]), stride: 6 }),
  randomBoxes: Object.freeze({ count: 12, minSize: 8, maxSize: 40 }),
  objectness: Object.freeze({ kappa: 1, ringFraction: 0.3 }),
  scoreNoise: 0.1,
  nmsIoU: 0.6,
  topK: 32,
  objects: 'all',
});

/**
 * Proposal source E, edge density only (the analogue of EdgeBoxes, WSD-KD's default): no jittered
 * boxes, so it never reads an object box and a weakly supervised teacher trained on it sees none —
 * its proposals depend on the image and the seed only. Windows of 12–34 px with h/w 0.4, 0.7, 1,
 * 1.5 and 2.5 every 3 px, 16 random boxes of 8–40 px, objectness κ = 1.5 (EdgeBoxes' own value;
 * favours larger boxes than A's 2) with a 20 % ring, exact objectness order, NMS 0.5, top 32. On
 * 64×64 Fashion-MNIST scenes of 1–4 items of 16–32 px (1,000 val scenes) it covers ≈ 91 % of the
 * objects at IoU ≥ 0.5 and ≈ 40 % at IoU ≥ 0.7 (≈ 94 % / 41 % with top 48; A covers ≈ 82 % /
 * 77 %, B ≈ 90 % / 34 %); on MNIST scenes ≈ 95 % / 55 %. About a quarter of its ≈ 5.7k candidates
 * per scene score < 0 (boxes cutting an item), but no kept proposal did over 2,200 scenes: kept
 * scores lie in [0, 0.23], median ≈ 0.075 (200 Fashion-MNIST test scenes: 0.018 / 0.075 / 0.20).
 * Slower than A (≈ 4× the candidates, and NMS 0.5 sorts them all).
 */
export const EDGE_PROPOSAL_CONFIG: ProposalConfig = Object.freeze({
  jitter: Object.freeze({ perObject: 0, center: 0, scale: 0, sizeBias: 1 }),
  windows: Object.freeze({
    sizes: Object.freeze([12, 16, 20, 26, 34]),
    aspectRatios: Object.freeze([0.4, 0.7, 1, 1.5, 2.5]),
    stride: 3,
  }),
  randomBoxes: Object.freeze({ count: 16, minSize: 8, maxSize: 40 }),
  objectness: Object.freeze({ kappa: 1.5, ringFraction: 0.2 }),
  scoreNoise: 0,
  nmsIoU: 0.5,
  topK: 32,
  objects: 'all',
});

/** Throws a RangeError naming the first invalid field of `config`. */
export function validateProposalConfig(config: ProposalConfig): void {
  const fail = (field: string, why: string, value: unknown): never => {
    throw new RangeError(`proposal config: ${field} ${why}, got ${JSON.stringify(value)}`);
  };
  const nonNegInt = (field: string, v: number) =>
    (Number.isInteger(v) && v >= 0) || fail(field, 'must be an integer ≥ 0', v);
  const nonNeg = (field: string, v: number) =>
    (Number.isFinite(v) && v >= 0) || fail(field, 'must be a finite number ≥ 0', v);
  const positive = (field: string, v: number) =>
    (Number.isFinite(v) && v > 0) || fail(field, 'must be a finite number > 0', v);
  const { jitter, windows, randomBoxes, objectness } = config;
  nonNegInt('jitter.perObject', jitter.perObject);
  nonNeg('jitter.center', jitter.center);
  nonNeg('jitter.scale', jitter.scale);
  positive('jitter.sizeBias', jitter.sizeBias);
  windows.sizes.forEach((s, i) => positive(`windows.sizes[${i}]`, s));
  windows.aspectRatios.forEach((a, i) => positive(`windows.aspectRatios[${i}]`, a));
  if (!Number.isInteger(windows.stride) || windows.stride < 1)
    fail('windows.stride', 'must be an integer ≥ 1', windows.stride);
  nonNegInt('randomBoxes.count', randomBoxes.count);
  if (randomBoxes.count > 0) {
    positive('randomBoxes.minSize', randomBoxes.minSize);
    if (!(randomBoxes.maxSize >= randomBoxes.minSize))
      fail('randomBoxes.maxSize', 'must be ≥ minSize', randomBoxes.maxSize);
  }
  nonNeg('objectness.kappa', objectness.kappa);
  nonNeg('objectness.ringFraction', objectness.ringFraction);
  nonNeg('scoreNoise', config.scoreNoise);
  if (!(config.nmsIoU >= 0 && config.nmsIoU <= 1)) fail('nmsIoU', 'must be in [0, 1]', config.nmsIoU);
  if (!Number.isInteger(config.topK) || config.topK < 1) fail('topK', 'must be an integer ≥ 1', config.topK);
  if (config.objects !== 'all' && config.objects !== 'annotated')
    fail('objects', "must be 'all' or 'annotated'", config.objects);
}
