/** WSD-KD's two terms against PyTorch (tools/golden/wsd_kd.py: the official Caffe loss layers), through the method, ≤ 1e-5. */
import * as tf from '@tensorflow/tfjs';
import { loadFixture, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { WsdKdMethod, wsdKdHParams } from './wsd-kd.js';

interface Soft {
  logits: number[];
  scale: number[];
  targets: number[];
  value: number;
  gradLogits: number[];
  gradScale: number[];
}
interface Golden {
  B: number;
  R: number;
  K: number;
  D: number;
  classLogits: number[];
  detectionLogits: number[];
  mask: number[];
  feature: { teacher: number[]; student: number[]; value: number; grad: number[] };
  soft_perClass: Soft;
  soft_scalar: Soft;
}
const g = loadFixture<Golden>(new URL('./__fixtures__/wsd-kd.golden.json', import.meta.url));
const { B, R, K, D } = g;
const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) =>
    expect(Math.abs(actual[i]! - e), `[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e))),
  );
};

function method(scale: 'per-class' | 'scalar'): WsdKdMethod {
  const m = new WsdKdMethod();
  const shapes: Record<string, number[]> = {
    regionFeatures: [R, D],
    classLogits: [R, K],
    detectionLogits: [R, K],
    regionMask: [R],
    logits: [K],
  };
  m.setup({
    hparams: wsdKdHParams.parse({ scale }),
    student: { name: 'student' },
    teacher: { name: 'teacher' },
    tap: (_role: string, tap: string) => ({ shape: shapes[tap]!, kind: 'other' }),
  } as never);
  return m;
}

const teacherTaps = () => ({
  classLogits: tf.tensor3d(g.classLogits, [B, R, K]),
  detectionLogits: tf.tensor3d(g.detectionLogits, [B, R, K]),
  regionMask: tf.tensor2d(g.mask, [B, R]),
  regionFeatures: tf.tensor3d(g.feature.teacher, [B, R, D]),
});

describe('wsd-kd: golden values (PyTorch)', () => {
  it("stage 1's feature term: 1/(2N) Σ ‖f^T − f^S‖² over the real regions, and its gradient", () => {
    const m = method('per-class');
    const stage = m.stages()[0]!;
    const fs = tf.tensor3d(g.feature.student, [B, R, D]);
    const t = teacherTaps();
    const { value, grads } = tf.valueAndGrads(
      (s: tf.Tensor) => stage.losses(stepContext({ regionFeatures: s }, t, ['feature']))['feature']!,
    )([fs]);
    close([value.dataSync()[0]!], [g.feature.value]);
    close(grads[0]!.dataSync(), g.feature.grad);
    m.dispose();
  });

  for (const [name, c, scale] of [
    ['per-class scale', g.soft_perClass, 'per-class'],
    ['one scale', g.soft_scalar, 'scalar'],
  ] as const) {
    it(`soft term with the ${name}: value, teacher targets at T = 0.5, gradients to the logits and the scale`, () => {
      const m = method(scale);
      const variable = m.auxModules()[0]!.module.namedParameters().get('scale')!;
      variable.assign(tf.tensor1d(c.scale));
      const z = tf.tensor2d(c.logits, [B, K]);
      const t = teacherTaps();
      const f = () => m.losses(stepContext({ logits: z }, t, ['soft']))['soft']!;
      const { value, grads } = tf.variableGrads(f, [variable]);
      close([value.dataSync()[0]!], [c.value]);
      close(grads[variable.name]!.dataSync(), c.gradScale);
      const gz = tf.grad((x: tf.Tensor) => m.losses(stepContext({ logits: x }, t, ['soft']))['soft']!)(z);
      close(gz.dataSync(), c.gradLogits);
      m.dispose();
    });
  }
});
