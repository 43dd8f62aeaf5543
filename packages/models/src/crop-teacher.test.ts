/**
 * `crop-teacher`: a registered image model under `image.` run on context-enlarged crops of the
 * batch's images at the first R proposals. Its region taps are exactly the wrapped model on
 * `regionCrops` averaged over the factors, its whole-image taps the wrapped model on the image, the
 * weights of a separately built image model load into it under the prefix `image.`, and the tensor
 * count stays flat.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ConfigError, type Batch, type DataInfo } from '@kd/core';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectures, cnn } from './architectures/index.js';
import { MAX_CROPS_PER_PASS } from './crop-embeddings.js';
import type { CropTeacher } from './crop-teacher.js';
import { regionCrops } from './region-crops.js';

const crop = architectures.find((a) => a.id === 'crop-teacher')!;
const image = { arch: 'cnn', options: { width: 2 } };
const build = (options: Record<string, unknown> = {}, seed = 3, data?: DataInfo) =>
  crop.build({
    inputShape: [16, 16, 1],
    numClasses: 5,
    seed,
    data,
    options: { image, regions: 2, ...options },
  }) as CropTeacher;

function batch(): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 11),
    proposals: tf.tensor3d([
      [
        [1, 2, 9, 12],
        [8, 0, 16, 16],
        [0, 0, 4, 4],
      ],
      [
        [3, 3, 7, 6],
        [0, 0, 0, 0],
        [1, 1, 2, 2],
      ],
    ]),
    proposalMask: tf.tensor2d(
      [
        [1, 1, 1],
        [1, 0, 1],
      ],
      [2, 3],
    ),
    objectsProposals: tf.tensor3d([
      [
        [0, 0, 16, 16],
        [2, 2, 10, 10],
      ],
      [
        [4, 4, 12, 12],
        [0, 8, 8, 16],
      ],
    ]),
    objectsProposalMask: tf.tensor2d(
      [
        [1, 1],
        [1, 1],
      ],
      [2, 2],
    ),
  };
}

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('crop-teacher: an image model on context-enlarged region crops', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  it('declares per-region and whole-image taps and returns them with their shapes', () => {
    const m = build();
    expect(m.tapSpecs()['regionEmbedding']).toMatchObject({ shape: [2, 8], kind: 'region' });
    expect(m.tapSpecs()['regionLogits']!.shape).toEqual([2, 5]);
    expect(m.requiredBatchKeys().map((k) => k.key)).toEqual(['x', 'proposals', 'proposalMask']);
    expect(
      build({ proposals: 'objects' })
        .requiredBatchKeys()
        .map((k) => k.key),
    ).toEqual(['x', 'objectsProposals', 'objectsProposalMask']);
    tf.tidy(() => {
      const out = m.forward(batch(), { training: false });
      for (const [name, spec] of Object.entries(m.tapSpecs()))
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      const regionsOnly = m.forward(batch(), { training: false, taps: new Set(['regionEmbedding']) });
      // the whole image is not run unless its taps are asked for; the region logits come with the embeddings
      expect(Object.keys(regionsOnly).sort()).toEqual(['regionEmbedding', 'regionLogits']);
    });
    m.dispose();
  });

  it('is the wrapped model on the crops (1× and 1.5×, averaged) and on the whole image', () => {
    const m = build({ context: [1, 1.5], sampling: 2 });
    tf.tidy(() => {
      const b = batch();
      const out = m.forward(b, { training: false });
      const boxes = tf.slice(b['proposals']!, [0, 0, 0], [2, 2, 4]) as tf.Tensor3D;
      const on = (factor: number) =>
        m.image.forward(
          { x: regionCrops(b.x as tf.Tensor4D, boxes, { size: [16, 16], factor, sampling: 2 }) },
          { training: false },
        );
      const [one, wide] = [on(1), on(1.5)];
      const avg = (k: string) => tf.reshape(tf.div(tf.add(one[k]!, wide[k]!), 2), [2, 2, -1]);
      expect(maxAbs(out['regionEmbedding']!, avg('embedding'))).toBeLessThan(1e-6);
      expect(maxAbs(out['regionLogits']!, avg('logits'))).toBeLessThan(1e-6);
      const whole = m.image.forward({ x: b.x }, { training: false });
      expect(Array.from(out['logits']!.dataSync())).toEqual(Array.from(whole['logits']!.dataSync()));
      expect(maxAbs(one['embedding']!, wide['embedding']!)).toBeGreaterThan(1e-4); // the context changes what the model sees
    });
    m.dispose();
  });

  it('normalises the crops and the whole image as the wrapped model was trained (options.normalize)', () => {
    const m = build({ context: [1], sampling: 2, normalize: { mean: 0.3, std: 0.5 } });
    tf.tidy(() => {
      const b = batch();
      const out = m.forward(b, { training: false });
      const boxes = tf.slice(b['proposals']!, [0, 0, 0], [2, 2, 4]) as tf.Tensor3D;
      const crops = regionCrops(b.x as tf.Tensor4D, boxes, { size: [16, 16], factor: 1, sampling: 2 });
      const normalised = (x: tf.Tensor) => tf.div(tf.sub(x, 0.3), 0.5);
      const want = m.image.forward({ x: normalised(crops) }, { training: false });
      expect(maxAbs(out['regionEmbedding']!, tf.reshape(want['embedding']!, [2, 2, -1]))).toBeLessThan(1e-5);
      const raw = m.image.forward({ x: crops }, { training: false });
      expect(maxAbs(out['regionEmbedding']!, tf.reshape(raw['embedding']!, [2, 2, -1]))).toBeGreaterThan(1e-4);
      const whole = m.image.forward({ x: normalised(b.x!) }, { training: false });
      expect(maxAbs(out['logits']!, whole['logits']!)).toBeLessThan(1e-5);
    });
    m.dispose();
    expect(() => build({ normalize: { mean: 0, std: 0 } })).toThrow(/options\.normalize.*>0/);
  });

  it('embeds a batch beyond MAX_CROPS_PER_PASS crops in passes, with the same outputs as image by image', () => {
    const m = build({ context: [1, 1.5] });
    const images = Math.floor(MAX_CROPS_PER_PASS / 4) + 3; // 2 regions × 2 factors: two passes
    tf.tidy(() => {
      const x = tf.randomUniform([images, 16, 16, 1], 0, 1, 'float32', 5);
      const one = batch();
      const proposals = tf.tile(tf.slice(one['proposals']!, [0, 0, 0], [1, -1, -1]), [images, 1, 1]);
      const proposalMask = tf.ones([images, 3]);
      const out = m.forward({ x, proposals, proposalMask }, { training: false, taps: new Set(['regionEmbedding']) });
      expect(out['regionEmbedding']!.shape).toEqual([images, 2, 8]);
      for (const i of [0, images - 1]) {
        const single = m.forward(
          {
            x: tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]),
            proposals: tf.slice(proposals, [i, 0, 0], [1, -1, -1]),
            proposalMask: tf.ones([1, 3]),
          },
          { training: false, taps: new Set(['regionEmbedding']) },
        );
        const row = tf.slice(out['regionEmbedding']!, [i, 0, 0], [1, -1, -1]);
        expect(maxAbs(row, single['regionEmbedding']!)).toBeLessThan(1e-5);
      }
    });
    m.dispose();
  });

  it("loads a separately built image model's weights under image. and then gives that model's outputs on the crops", () => {
    const m = build({ context: [1] }, 3);
    const other = cnn.build({ inputShape: [16, 16, 1], numClasses: 5, seed: 99, options: { width: 2 } });
    const vars = m.namedVariables();
    expect([...vars.keys()].every((p) => p.startsWith('image.'))).toBe(true);
    for (const [path, v] of other.namedVariables()) vars.get(`image.${path}`)!.assign(v);
    tf.tidy(() => {
      const b = batch();
      const boxes = tf.slice(b['proposals']!, [0, 0, 0], [2, 2, 4]) as tf.Tensor3D;
      const want = other.forward(
        { x: regionCrops(b.x as tf.Tensor4D, boxes, { size: [16, 16], factor: 1, sampling: 2 }) },
        { training: false },
      );
      const got = m.forward(b, { training: false, taps: new Set(['regionEmbedding']) });
      expect(maxAbs(got['regionEmbedding']!, tf.reshape(want['embedding']!, [2, 2, -1]))).toBe(0);
    });
    m.dispose();
    other.dispose();
  });

  it('builds the wrapped model at the crop size and resizes the whole image to it', () => {
    const m = build({ cropSize: [8, 8] });
    expect((m.image as unknown as { inputShape: number[] }).inputShape).toEqual([8, 8, 1]);
    tf.tidy(() => {
      const b = batch();
      const out = m.forward(b, { training: false, taps: new Set(['embedding']) });
      const whole = tf.tile(tf.tensor3d([[[0, 0, 16, 16]]]), [2, 1, 1]) as tf.Tensor3D;
      const resized = regionCrops(b.x as tf.Tensor4D, whole, { size: [8, 8], factor: 1, sampling: 2 });
      expect(maxAbs(out['embedding']!, m.image.forward({ x: resized }, { training: false })['embedding']!)).toBe(0);
    });
    m.dispose();
  });

  it('keeps the tensor count flat, frozen or not (no trainable variable of its own)', () => {
    const m = build();
    const b = batch();
    m.forward(b, { training: false }); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(m.forward(b, { training: true })));
    expect(tf.memory().numTensors).toBe(before);
    expect(m.setFrozen(true).trainableVariables()).toEqual([]);
    tf.dispose(Object.values(b));
    m.dispose();
  });

  it('names the field of an option error', () => {
    const err = (options: Record<string, unknown>) => {
      try {
        crop.build({ inputShape: [16, 16, 1], numClasses: 5, seed: 1, options });
      } catch (e) {
        if (e instanceof ConfigError) return e.path;
        throw e;
      }
      return 'built';
    };
    expect(err({})).toBe('options.image');
    expect(err({ image: { arch: 'nope' } })).toBe('options.image.arch');
    expect(err({ image: { arch: 'cnn', options: { depth: 2 } } })).toBe('options.image.options.depth');
    expect(err({ image, context: [] })).toBe('options.context');
    expect(err({ image, cropSize: [8] })).toBe('options.cropSize');
  });
});
