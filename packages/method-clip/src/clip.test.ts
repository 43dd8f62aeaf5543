import * as tf from '@tensorflow/tfjs';
import { applyParameterConstraints, describeHParams, infoNce, MissingTapError } from '@kd/core';
import { expectFlatTensorCount, participant, setupContext, SpecModel, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { clipDescriptor } from './descriptor.js';
import { ClipMethod, clipHParams } from './clip.js';

const dualEncoder = new SpecModel({
  imageEmbedding: { shape: [4], kind: 'embedding' },
  textEmbedding: { shape: [4], kind: 'embedding' },
  logits: { shape: [5], kind: 'logits' },
});

function method(hparams = {}): ClipMethod {
  const m = new ClipMethod();
  m.setup(setupContext('clip', clipHParams.parse(hparams), undefined, participant('student', 'student', dualEncoder)));
  return m;
}

describe('clip method', () => {
  it('describes its hyperparameters and one term, and needs no teacher', () => {
    const docs = describeHParams(clipDescriptor.hparams);
    expect(docs.map((d) => [d.name, d.default])).toEqual([
      ['temperature', 0.07],
      ['learnTemperature', false],
      ['sameClassPositives', false],
    ]);
    expect(clipDescriptor.terms).toEqual([expect.objectContaining({ name: 'contrastive', defaultWeight: 1 })]);
    expect(new ClipMethod().requiredTaps().every((r) => r.role === 'student')).toBe(true);
  });

  it('rejects a student without the dual-encoder taps before training', () => {
    const plain = new SpecModel({ logits: { shape: [5], kind: 'logits' } });
    expect(() =>
      new ClipMethod().setup(
        setupContext('clip', clipHParams.parse({}), undefined, participant('student', 'student', plain)),
      ),
    ).toThrow(MissingTapError);
  });

  it('is the symmetric InfoNCE of the two embeddings (golden values: @kd/core info-nce, PyTorch)', () => {
    const a = tf.randomNormal([6, 4], 0, 1, 'float32', 1);
    const b = tf.randomNormal([6, 4], 0, 1, 'float32', 2);
    const out = method({ temperature: 0.1 }).losses(
      stepContext({ imageEmbedding: a, textEmbedding: b }, undefined, ['contrastive']),
    );
    expect(out['contrastive']!.dataSync()[0]).toBeCloseTo(infoNce(a, b, 0.1).dataSync()[0]!, 6);
    expect(Object.keys(method().losses(stepContext({ imageEmbedding: a, textEmbedding: b }, undefined, [])))).toEqual(
      [],
    );
  });

  it('same-class positives: pairs of one class are all targets, so swapping captions within a class changes nothing', () => {
    const y = tf.tensor1d([0, 1, 0, 2], 'int32');
    const a = tf.randomNormal([4, 4], 0, 1, 'float32', 3);
    const b = tf.randomNormal([4, 4], 0, 1, 'float32', 4);
    const swapped = tf.gather(b, tf.tensor1d([2, 1, 0, 3], 'int32')); // captions 0 and 2 (both class 0) exchanged
    const m = method({ sameClassPositives: true });
    const loss = (t: tf.Tensor) =>
      m
        .losses(
          stepContext({ imageEmbedding: a, textEmbedding: t }, undefined, ['contrastive'], { x: tf.zeros([4, 1]), y }),
        )
        ['contrastive']!.dataSync()[0]!;
    expect(loss(swapped)).toBeCloseTo(loss(b), 5);
    const targets = tf.tensor2d([
      [1, 0, 1, 0],
      [0, 1, 0, 0],
      [1, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(loss(b)).toBeCloseTo(infoNce(a, b, 0.07, { targets }).dataSync()[0]!, 5);
    // without the switch, the swap matters
    const plain = method();
    const plainLoss = (t: tf.Tensor) =>
      plain
        .losses(stepContext({ imageEmbedding: a, textEmbedding: t }, undefined, ['contrastive']))
        ['contrastive']!.dataSync()[0]!;
    expect(Math.abs(plainLoss(swapped) - plainLoss(b))).toBeGreaterThan(1e-3);
  });

  it('a learned temperature: an aux parameter starting at log(1/τ) that gets a gradient, logit scale clamped at 100 after each step', () => {
    const m = method({ learnTemperature: true, temperature: 0.1 });
    const [aux] = m.auxModules();
    expect(aux!.name).toBe('logitScale');
    const [logScale] = [...aux!.module.namedParameters().values()];
    expect(logScale!.dataSync()[0]).toBeCloseTo(Math.log(10), 6);
    const a = tf.randomNormal([5, 4], 0, 1, 'float32', 8);
    const b = tf.randomNormal([5, 4], 0, 1, 'float32', 9);
    const step = () =>
      m.losses(stepContext({ imageEmbedding: a, textEmbedding: b }, undefined, ['contrastive']))['contrastive']!;
    expect(step().dataSync()[0]).toBeCloseTo(infoNce(a, b, 0.1).dataSync()[0]!, 5);
    const { grads } = tf.variableGrads(step, [logScale!]);
    expect(Math.abs(grads[logScale!.name]!.dataSync()[0]!)).toBeGreaterThan(0);
    // an update that pushes the scale past 100 is clamped after the step (as CLIP's training code
    // does), and the gradient at the bound is alive, so the scale can come back
    logScale!.assign(tf.scalar(Math.log(1000)));
    applyParameterConstraints([logScale!]);
    expect(logScale!.dataSync()[0]).toBeCloseTo(Math.log(100), 6);
    expect(step().dataSync()[0]).toBeCloseTo(infoNce(a, b, 0.01).dataSync()[0]!, 4);
    const atBound = tf.variableGrads(step, [logScale!]).grads[logScale!.name]!;
    expect(Math.abs(atBound.dataSync()[0]!)).toBeGreaterThan(0);
    expect(method().auxModules()).toEqual([]);
  });

  it('gradients reach both embeddings; the tensor count stays flat', () => {
    const a = tf.variable(tf.randomNormal([5, 4], 0, 1, 'float32', 5));
    const b = tf.variable(tf.randomNormal([5, 4], 0, 1, 'float32', 6));
    const m = method();
    const { grads } = tf.variableGrads(
      () => m.losses(stepContext({ imageEmbedding: a, textEmbedding: b }, undefined, ['contrastive']))['contrastive']!,
      [a, b],
    );
    for (const g of Object.values(grads)) expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
    expectFlatTensorCount(() =>
      tf.tidy(() => {
        m.losses(stepContext({ imageEmbedding: a, textEmbedding: b }, undefined, ['contrastive']));
      }),
    );
  });
});
