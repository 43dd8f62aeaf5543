/**
 * `crop-classifier-detector` (ViLD's "CLIP on cropped regions"): a detector's regions classified by an
 * image tower on their context-enlarged crops against class text embeddings. Its detection taps are
 * the detector's; `regionScores` is √(p_clip · p_obj) (or p_clip) with column 0 = 1 − p_obj, checked
 * against plain arithmetic and against the image tower run on `regionCrops` by hand; its variables
 * are the detector's under `detector.` and the image tower's under `image.`; no task loss reaches the
 * image tower; the tensor count stays flat.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, UserError, type ModelBuildInput } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { cropClassifierScores, type CropClassifierDetector } from './crop-classifier-detector.js';
import { regionCrops } from './region-crops.js';
import {
  SMALL_REGION_DETECTOR,
  VILD_INPUT_SHAPE,
  maxAbsDiff as maxDiff,
  paddedProposalBatch as batch,
  removeDir,
  tempDir,
  useWasmBackend,
  writeClassEmbeddings,
} from '../test/vild-detector-fixture.js';

const arch = architectures.find((a) => a.id === 'crop-classifier-detector')!;
const byId = (id: string) => architectures.find((a) => a.id === id)!;
const K = 3;
const D = 4;
const dir = tempDir('crop-classifier');
const CLASSES = ['zero', 'one', 'two'];
// three text embeddings of size 4 (normalised again by the model)
const TEXT = [
  [1, 0, 0, 0],
  [0, 2, 0, 1],
  [0.5, -0.5, 1, 0],
];
const EMBEDDINGS_FILE = writeClassEmbeddings(dir, CLASSES, TEXT, { source: { test: true } });
const data = { name: 'test', inputShape: VILD_INPUT_SHAPE, numClasses: K, classNames: CLASSES } as const;
const DETECTOR = { arch: 'region-detector', options: SMALL_REGION_DETECTOR };
const IMAGE = {
  arch: 'encoder-with-heads',
  options: { encoder: { arch: 'cnn', options: { width: 2 } }, heads: [{ name: 'embedding', outputs: D }] },
};
const input = (options: Record<string, unknown> = {}): ModelBuildInput => ({
  inputShape: VILD_INPUT_SHAPE,
  numClasses: K,
  seed: 5,
  data: data as never,
  baseDir: dir,
  options: { detector: DETECTOR, image: IMAGE, embeddings: EMBEDDINGS_FILE, cropSize: [8, 8], ...options },
});

beforeAll(useWasmBackend);
afterAll(() => removeDir(dir));

describe('cropClassifierScores: p_clip = softmax(cos / τ) over the classes, p_obj = 1 − p_background', () => {
  it('geometric-mean: √(p_clip · p_obj), column 0 = 1 − p_obj; clip: p_clip (plain arithmetic)', () => {
    const crops = [
      [1, 1, 0, 0],
      [0, 0, 3, 0],
    ];
    const logits = [
      [2, 0.5, -1, 0],
      [-1, 1, 0.3, 0.2],
    ];
    const tau = 0.5;
    const norm = (v: number[]) => Math.hypot(...v);
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));
    const softmax = (v: number[]) => {
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const z = e.reduce((s, x) => s + x, 0);
      return e.map((x) => x / z);
    };
    for (const score of ['geometric-mean', 'clip'] as const) {
      const got = tf.tidy(() =>
        cropClassifierScores(tf.tensor2d(crops), tf.tensor2d(TEXT), tf.tensor2d(logits), {
          temperature: tau,
          score,
        }).arraySync(),
      );
      crops.forEach((c, n) => {
        const clip = softmax(TEXT.map((t) => cos(c, t) / tau));
        const background = softmax(logits[n]!)[0]!;
        const want = [background, ...clip.map((p) => (score === 'clip' ? p : Math.sqrt(p * (1 - background))))];
        got[n]!.forEach((v, j) => expect(v, `${score} [${n}, ${j}]`).toBeCloseTo(want[j]!, 5));
      });
    }
  });

  it('refuses logits that do not match the crops and classes', () => {
    expect(() =>
      cropClassifierScores(tf.zeros([2, D]) as tf.Tensor2D, tf.tensor2d(TEXT), tf.zeros([2, K]) as tf.Tensor2D, {
        temperature: 1,
        score: 'clip',
      }),
    ).toThrow(/expected \[2, 4\]/);
  });
});

describe('crop-classifier-detector: a detector’s regions classified by an image tower on their crops', () => {
  let model: CropClassifierDetector;
  beforeAll(() => {
    model = arch.build(input()) as CropClassifierDetector;
  });
  afterAll(() => model.dispose());

  it('declares the detection taps, regionScores [R, K+1] and cropEmbedding [R, D], and returns them with their shapes', () => {
    expect(Object.keys(model.tapSpecs()).sort()).toEqual(
      ['boxDeltas', 'cropEmbedding', 'regionBoxes', 'regionLogits', 'regionMask', 'regionScores'].sort(),
    );
    expect(model.tapSpecs().regionScores!.shape).toEqual([3, K + 1]);
    expect(model.tapSpecs().cropEmbedding!.shape).toEqual([3, D]);
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      for (const [name, spec] of Object.entries(model.tapSpecs()))
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
    });
    expect(model.requiredBatchKeys().map((k) => k.key)).toEqual(['x', 'proposals', 'proposalMask']);
  });

  it('its variables are the detector’s under detector. and the image tower’s under image.; nothing else', () => {
    const detector = byId('region-detector').build({ ...input(), options: DETECTOR.options });
    const image = byId('encoder-with-heads').build({ ...input(), inputShape: [8, 8, 1], options: IMAGE.options });
    const want = [
      ...[...detector.namedVariables().keys()].map((k) => `detector.${k}`),
      ...[...image.namedVariables().keys()].map((k) => `image.${k}`),
    ].sort();
    expect([...model.namedVariables().keys()].sort()).toEqual(want);
    expect(model.paramCount()).toBe(detector.paramCount() + image.paramCount());
    detector.dispose();
    image.dispose();
  });

  it('passes the detector’s taps on; regionScores are the formula on the image tower’s crops (1×, 1.5×) averaged and normalised', () => {
    tf.tidy(() => {
      const b = batch();
      const out = model.forward(b, { training: false });
      const own = model.detector.forward(b, { training: false });
      for (const t of ['regionLogits', 'boxDeltas', 'regionBoxes', 'regionMask'])
        expect(maxDiff(out[t]!, own[t]!), t).toBe(0);
      const boxes = own['regionBoxes'] as tf.Tensor3D;
      const perFactor = [1, 1.5].map(
        (factor) =>
          model.image.forward(
            { x: regionCrops(b.x as tf.Tensor4D, boxes, { size: [8, 8], factor, sampling: 2 }) },
            { training: false },
          )['embedding']!,
      );
      const mean = tf.div(tf.add(perFactor[0]!, perFactor[1]!), 2);
      const crops = tf.div(mean, tf.norm(mean, 'euclidean', -1, true));
      expect(maxDiff(tf.reshape(out['cropEmbedding']!, [6, D]), crops)).toBeLessThan(1e-5);
      const want = cropClassifierScores(
        crops as tf.Tensor2D,
        tf.tensor2d(TEXT),
        tf.reshape(own['regionLogits']!, [6, K + 1]) as tf.Tensor2D,
        { temperature: 0.01, score: 'geometric-mean' },
      );
      expect(maxDiff(tf.reshape(out['regionScores']!, [6, K + 1]), want)).toBeLessThan(1e-5);
      // column 0 + p_obj = 1; scores in [0, 1]
      const p0 = tf.slice(tf.softmax(own['regionLogits']!), [0, 0, 0], [2, 3, 1]);
      expect(maxDiff(tf.slice(out['regionScores']!, [0, 0, 0], [2, 3, 1]), p0)).toBeLessThan(1e-6);
    });
  });

  it('score: clip ranks the regions by p_clip alone (each row of classes sums to 1)', () => {
    const clip = arch.build(input({ score: 'clip' })) as CropClassifierDetector;
    tf.tidy(() => {
      const out = clip.forward(batch(), { training: false });
      const sums = tf.sum(tf.slice(out['regionScores']!, [0, 0, 1], [2, 3, K]), -1).dataSync();
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
    });
    clip.dispose();
  });

  it('no gradient needed: a loss on the detection taps reaches the detector only (the image tower is not even run)', () => {
    const image = [...model.namedParameters('').entries()].filter(([k]) => k.startsWith('image.'));
    const detector = [...model.namedParameters('').entries()].filter(([k]) => k.startsWith('detector.'));
    tf.tidy(() => {
      const b = batch();
      const { grads } = tf.variableGrads(
        () => {
          const out = model.forward(b, { training: true, taps: new Set(['regionLogits', 'boxDeltas']) });
          expect(out['regionScores']).toBeUndefined();
          return tf.add(tf.sum(out['regionLogits']!), tf.sum(out['boxDeltas']!)) as tf.Scalar;
        },
        [...detector, ...image].map(([, v]) => v),
      );
      const names = new Set(Object.keys(grads));
      expect(image.some(([, v]) => names.has(v.name))).toBe(false);
      expect(detector.filter(([, v]) => names.has(v.name)).length).toBeGreaterThan(0);
    });
  });

  it('keeps the tensor count flat', () => {
    const b = batch();
    const before = tf.memory().numTensors;
    const out = model.forward(b, { training: false });
    tf.dispose(Object.values(out));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b) as tf.Tensor[]);
  });

  it('one-line errors naming the option: an image embedding of another size, a model without detector taps, another dataset’s classes', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { image: { ...IMAGE, options: { ...IMAGE.options, heads: [{ name: 'embedding', outputs: 5 }] } } },
        'options.image',
        /needs an 'embedding' tap of the class embeddings' size 4 \(it has 5\)/,
      ],
      [{ detector: { arch: 'cnn', options: { width: 2 } } }, 'options.detector.arch', /no detector taps regionLogits/],
      [{ score: 'max' }, 'options.score', /./],
    ];
    for (const [options, path, message] of cases) {
      let error: unknown;
      try {
        arch.build(input(options)).dispose();
      } catch (e) {
        error = e;
      }
      expect(error, path).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path, path).toBe(path);
      expect((error as Error).message, path).toMatch(message);
    }
    expect(() => arch.build({ ...input(), data: { ...data, classNames: ['a', 'b', 'c'] } as never })).toThrow(
      UserError,
    );
  });
});
