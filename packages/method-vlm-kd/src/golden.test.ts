/**
 * Golden values from PyTorch (tools/golden/vlm_kd.py): the text term through the adaptor and the
 * image projection (linear and identity) in each same-class mode, with fixed and learned τ, and its
 * gradients with respect to the student embedding, the adaptor, the projection and log τ; the
 * balanced softmax; the vision KD term. ≤ 1e-5 relative.
 */
import * as tf from '@tensorflow/tfjs';
import { CAPTION_EMBEDDING_SIZE, type Module } from '@kd/core';
import {
  loadFixture,
  participant,
  relErr,
  relErrTensor,
  setupContext,
  SpecModel,
  stepContext,
  tensorOf,
  type Arr,
} from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { balancedSoftmaxCrossEntropy, logClassPrior } from './balanced-softmax.js';
import type { SameClassMode } from './caption-contrastive.js';
import { vlmKdHParams } from './hparams.js';
import { VlmKdMethod } from './vlm-kd.js';

interface TextCase {
  name: string;
  projection: 'linear' | 'identity';
  mode: SameClassMode;
  tau: number;
  loss: number;
  adaptedText: Arr;
  projectedImage: Arr;
  grads: Record<string, Arr>;
  gradLogTau: number;
}
interface Golden {
  text: {
    student: Arr;
    text: Arr;
    labels: number[];
    weights: Record<'linear' | 'identity', Record<string, Arr>>;
    cases: TextCase[];
  };
  balancedSoftmax: { logits: Arr; labels: number[]; counts: number[]; loss: number; grad: Arr };
  vkd: {
    student: Arr;
    teacher: Arr;
    counts: number[];
    cases: { T: number; prior: 'none' | 'student'; loss: number; grad: Arr }[];
  };
}

const golden = loadFixture<Golden>(new URL('./__fixtures__/vlm_kd.golden.json', import.meta.url));
const TOL = 1e-5;
const g = golden.text;
const [B, ES] = g.student.shape as [number, number];
const ET = g.text.shape[1]!;

/** A method whose caption embeddings come from the batch (precomputed), sized like the fixture. */
function methodFor(c: TextCase, learnTemperature: boolean): VlmKdMethod {
  const student = participant(
    'student',
    'student',
    new SpecModel({ embedding: { shape: [ES], kind: 'embedding' }, logits: { shape: [3], kind: 'logits' } }),
  );
  const hp = vlmKdHParams.parse({
    textSource: 'precomputed',
    visionTeacher: 'none',
    projection: c.projection,
    projectionDim: 3,
    adaptorHidden: 7,
    sameClass: c.mode,
    temperature: c.tau,
    learnTemperature,
  });
  const ctx = setupContext('vlm-kd', hp, undefined, student);
  const method = new VlmKdMethod();
  method.setup({ ...ctx, data: { ...ctx.data, numClasses: 3, facets: { [CAPTION_EMBEDDING_SIZE.id]: ET } } });
  const paths: Record<string, [Module, string]> = {
    'adaptor.fc1.weight': [method.adaptor!, 'fc1.weight'],
    'adaptor.fc1.bias': [method.adaptor!, 'fc1.bias'],
    'adaptor.fc2.weight': [method.adaptor!, 'fc2.weight'],
    'adaptor.fc2.bias': [method.adaptor!, 'fc2.bias'],
    'projection.weight': [method.projection!, 'linear.weight'],
    'projection.bias': [method.projection!, 'linear.bias'],
  };
  const weights = g.weights[c.projection];
  expect(Object.keys(weights).sort()).toEqual(
    Object.keys(paths)
      .filter((k) => c.projection === 'linear' || !k.startsWith('projection'))
      .sort(),
  );
  for (const [name, w] of Object.entries(weights)) {
    const [module, path] = paths[name]!;
    module.namedParameters().get(path)!.assign(tensorOf(w));
  }
  return method;
}

describe('vlm-kd golden values (PyTorch)', () => {
  for (const c of g.cases) {
    for (const learned of [false, true]) {
      it(`text term: ${c.name}${learned ? ', learned τ' : ''}`, () => {
        const method = methodFor(c, learned);
        const text = tensorOf(g.text);
        const y = tf.tensor1d(g.labels, 'int32');
        const batch = { x: tf.zeros([B, 1, 1, 1]), y, captionEmbedding: text };
        const vars = [
          ...method.adaptor!.namedParameters().entries(),
          ...(method.projection!.linear ? [...method.projection!.namedParameters().entries()] : []),
        ];
        const student = tf.variable(tensorOf(g.student));
        const tauVars = learned ? [method.learnedTemperature!.logScale] : [];
        const { value, grads } = tf.variableGrads(
          () =>
            method.losses(stepContext({ embedding: student, logits: tf.zeros([B, 3]) }, undefined, ['text'], batch))[
              'text'
            ]!,
          [student, ...vars.map(([, v]) => v), ...tauVars],
        );
        const errs: Record<string, number> = { loss: relErr(value.dataSync()[0]!, c.loss) };
        errs['adapted text'] = relErrTensor(
          tf.tidy(() =>
            tf.div(method.adaptor!.apply(text), tf.norm(method.adaptor!.apply(text), 'euclidean', 1, true)),
          ),
          c.adaptedText,
        );
        errs['grad student'] = relErrTensor(grads[student.name]!, c.grads['student']!);
        for (const [path, v] of vars) {
          const name = path.startsWith('fc') ? `adaptor.${path}` : `projection.${path.replace('linear.', '')}`;
          errs[`grad ${name}`] = relErrTensor(grads[v.name]!, c.grads[name]!);
        }
        // learned τ: the parameter is s = log(1/τ), so ∂L/∂s = −∂L/∂log τ
        if (learned) errs['grad log-scale'] = relErr(grads[tauVars[0]!.name]!.dataSync()[0]!, -c.gradLogTau);
        for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThan(TOL);
        expect(Object.keys(grads)).toHaveLength(1 + vars.length + tauVars.length);
        tf.dispose([value, ...Object.values(grads), student, text, y, batch.x]);
        method.dispose();
      });
    }
  }

  it('balanced softmax: CE(z + log π, y)', () => {
    const b = golden.balancedSoftmax;
    const z = tensorOf(b.logits);
    const y = tf.tensor1d(b.labels, 'int32');
    const prior = logClassPrior(b.counts);
    const f = (logits: tf.Tensor) => balancedSoftmaxCrossEntropy(logits, y, prior);
    expect(relErr(f(z).dataSync()[0]!, b.loss)).toBeLessThan(TOL);
    expect(relErrTensor(tf.grad(f)(z), b.grad)).toBeLessThan(TOL);
    // through the method (bsce term), counts given explicitly
    const m = new VlmKdMethod();
    const student = participant(
      'student',
      'student',
      new SpecModel({ embedding: { shape: [4], kind: 'embedding' }, logits: { shape: [5], kind: 'logits' } }),
    );
    const ctx = setupContext(
      'vlm-kd',
      vlmKdHParams.parse({ textSource: 'precomputed', visionTeacher: 'none' }),
      undefined,
      student,
    );
    m.setup({ ...ctx, data: { ...ctx.data, facets: { [CAPTION_EMBEDDING_SIZE.id]: 3 } } });
    m.setClassCounts(b.counts);
    const out = m.losses(
      stepContext({ embedding: tf.zeros([8, 4]), logits: z }, undefined, ['bsce'], { x: tf.zeros([8, 1, 1, 1]), y }),
    );
    expect(relErr(out['bsce']!.dataSync()[0]!, b.loss)).toBeLessThan(TOL);
    m.dispose();
  });

  for (const c of golden.vkd.cases) {
    it(`vision KD term at T = ${c.T}, prior ${c.prior}`, () => {
      const m = new VlmKdMethod();
      const student = participant(
        'student',
        'student',
        new SpecModel({ embedding: { shape: [4], kind: 'embedding' }, logits: { shape: [5], kind: 'logits' } }),
      );
      const teacher = participant('teacher', 'teacher', new SpecModel({ logits: { shape: [5], kind: 'logits' } }));
      const ctx = setupContext(
        'vlm-kd',
        vlmKdHParams.parse({ textSource: 'precomputed', vkdTemperature: c.T, vkdPrior: c.prior }),
        teacher,
        student,
      );
      m.setup({ ...ctx, data: { ...ctx.data, facets: { [CAPTION_EMBEDDING_SIZE.id]: 3 } } });
      m.setClassCounts(golden.vkd.counts);
      const s = tensorOf(golden.vkd.student);
      const t = tensorOf(golden.vkd.teacher);
      const f = (x: tf.Tensor) =>
        m.losses(stepContext({ embedding: tf.zeros([6, 4]), logits: x }, { logits: t }, ['vkd']))['vkd']!;
      expect(relErr(f(s).dataSync()[0]!, c.loss)).toBeLessThan(TOL);
      expect(relErrTensor(tf.grad(f)(s), c.grad)).toBeLessThan(TOL);
      m.dispose();
    });
  }
});
