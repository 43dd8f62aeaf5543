import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TappedModel } from '@kd/core';
import { architectures } from './architectures/index.js';
import { build, inputBatch } from '../test/helpers.js';

/** Stem widths of the narrowed twins used for the forward pass of the ×4 nets. */
const NARROW: Record<string, number> = { resnet8x4: 4, resnet32x4: 4 };

const STAGE_TAPS = ['stage1', 'stage1.pre', 'stage2', 'stage2.pre', 'stage3', 'stage3.pre'];

function expectedTapNames(id: string): string[] {
  return [...(id === 'cnn' ? [] : ['stem']), ...STAGE_TAPS, 'embedding', 'logits'].sort();
}

describe.each([
  { inputShape: [28, 28, 1], sizes: [28, 14, 7] },
  { inputShape: [32, 32, 3], sizes: [32, 16, 8] },
])('tap shapes at $inputShape', ({ inputShape, sizes }) => {
  // the image classifiers (the transformers take token inputs: src/transformer.test.ts, src/vl-transformer.test.ts;
  // the composite models have their own: src/encoder-with-heads.test.ts, src/crop-teacher.test.ts,
  // src/crop-classifier-detector.test.ts; the proposal models WSD-KD uses: src/weakly-supervised.test.ts;
  // RVL-BERT's per-pair model: src/rvl-bert/rvl-bert-model.test.ts)
  for (const arch of architectures.filter(
    (a) =>
      ![
        'transformer',
        'vl-transformer',
        'vl-scene',
        'graph-model',
        'clip',
        'region-detector',
        'encoder-with-heads',
        'crop-teacher',
        'crop-classifier-detector',
        'wsddn',
        'roi-classifier',
        'rvl-bert',
      ].includes(a.id),
  )) {
    it(`${arch.id}: returned shapes equal declared shapes`, () => {
      const model = build(arch, inputShape);
      const specs = model.tapSpecs();
      expect(Object.keys(specs).sort()).toEqual(expectedTapNames(arch.id));
      // stage sizes follow PyTorch semantics (28 → 28, 14, 7; 32 → 32, 16, 8)
      sizes.forEach((s, i) => expect(specs[`stage${i + 1}`]!.shape.slice(0, 2)).toEqual([s, s]));
      expect(specs.logits!.shape).toEqual([10]);
      expect(specs.logits!.kind).toBe('logits');
      expect(specs.embedding!.shape).toEqual([specs.stage3!.shape[2]]);
      let runner = model;
      const narrow = NARROW[arch.id];
      if (narrow) {
        // The ×4 nets are too slow for the cpu backend at full width: run a narrowed twin (same depth
        // and strides, so the same spatial path) and check the real model's declared channels.
        expect(STAGE_TAPS.map((t) => specs[t]!.shape[2])).toEqual([64, 64, 128, 128, 256, 256]);
        expect(specs.stem!.shape).toEqual([sizes[0], sizes[0], 32]);
        runner = build(arch, inputShape, { width: narrow });
        const narrowSpecs = runner.tapSpecs();
        for (const [name, spec] of Object.entries(specs)) {
          expect(narrowSpecs[name]!.shape.slice(0, -1)).toEqual(spec.shape.slice(0, -1));
        }
        model.dispose();
      }
      const declared = runner.tapSpecs();
      const x = inputBatch(2, inputShape);
      const out = runner.forward({ x }, { training: false });
      expect(Object.keys(out).sort()).toEqual(Object.keys(declared).sort());
      for (const [name, spec] of Object.entries(declared))
        expect([name, out[name]!.shape]).toEqual([name, [2, ...spec.shape]]);
      // post-activation taps are ReLU outputs
      for (const name of ['stage1', 'stage2', 'stage3'])
        expect(tf.min(out[name]!).dataSync()[0]).toBeGreaterThanOrEqual(0);
      Object.values(out).forEach((t) => t.dispose());
      x.dispose();
      runner.dispose();
    });
  }
});

describe('tap filtering', () => {
  let model: TappedModel;
  let x: tf.Tensor4D;
  beforeAll(() => {
    model = build(
      architectures.find((a) => a.id === 'resnet8')!,
      [12, 12, 3],
    );
    x = inputBatch(2, [12, 12, 3]);
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('returns only the requested taps plus logits, and holds no extra tensors', () => {
    const before = tf.memory().numTensors;
    const out = model.forward({ x }, { training: false, taps: new Set(['stage2.pre', 'embedding']) });
    expect(Object.keys(out).sort()).toEqual(['embedding', 'logits', 'stage2.pre']);
    expect(tf.memory().numTensors - before).toBe(3);
    Object.values(out).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an empty request returns logits only', () => {
    const out = model.forward({ x }, { training: false, taps: new Set() });
    expect(Object.keys(out)).toEqual(['logits']);
    out.logits!.dispose();
  });

  it('requested taps equal the same taps of an unfiltered pass', () => {
    const all = model.forward({ x }, { training: false });
    const some = model.forward({ x }, { training: false, taps: new Set(['stem', 'stage3']) });
    for (const name of ['stem', 'stage3', 'logits']) {
      expect(Array.from(some[name]!.dataSync())).toEqual(Array.from(all[name]!.dataSync()));
    }
    // `pre` and post differ exactly by the ReLU
    const relu = tf.relu(all['stage3.pre']!);
    expect(Array.from(relu.dataSync())).toEqual(Array.from(all.stage3!.dataSync()));
    relu.dispose();
    [...Object.values(all), ...Object.values(some)].forEach((t) => t.dispose());
  });
});
