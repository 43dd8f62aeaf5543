/** infoNce against PyTorch golden values (tools/golden/info_nce.py): value and gradients ≤ 1e-5 (abs, or relative when |ref| > 1). */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from './losses.js';
import { infoNce } from './info-nce.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  temperature: number;
  normalize: boolean;
  a: Arr;
  b: Arr;
  targets: Arr | null;
  labels?: number[];
  loss: number;
  gradA: Arr;
  gradB: Arr;
  gradTemperature: number;
}

const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/info-nce.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

const tensorOf = (x: Arr) => tf.tensor(x.data, x.shape, 'float32');
/** |x − ref| / max(1, |ref|): absolute error for small values, relative for large ones. */
const scaledErr = (x: number, ref: number) => Math.abs(x - ref) / Math.max(1, Math.abs(ref));
function scaledErrTensor(t: tf.Tensor, ref: Arr): number {
  expect(t.shape).toEqual(ref.shape);
  const v = t.dataSync();
  return Math.max(...ref.data.map((r, i) => scaledErr(v[i]!, r)));
}

describe.each(['cpu', 'wasm'])('infoNce on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  for (const c of golden.cases) {
    it(`matches PyTorch in value and gradients: ${c.name} (τ as a number)`, () => {
      tf.tidy(() => {
        const a = tensorOf(c.a);
        const b = tensorOf(c.b);
        const opts = { normalize: c.normalize, ...(c.targets ? { targets: tensorOf(c.targets) } : {}) };
        const f = (x: tf.Tensor, y: tf.Tensor) => infoNce(x, y, c.temperature, opts);
        const { value, grads } = tf.valueAndGrads(f)([a, b]);
        expect(scaledErr(value.dataSync()[0]!, c.loss)).toBeLessThan(1e-5);
        expect(scaledErrTensor(grads[0]!, c.gradA)).toBeLessThan(1e-5);
        expect(scaledErrTensor(grads[1]!, c.gradB)).toBeLessThan(1e-5);
      });
    });

    it(`matches PyTorch including ∂τ: ${c.name} (τ as a scalar tensor)`, () => {
      tf.tidy(() => {
        const a = tensorOf(c.a);
        const b = tensorOf(c.b);
        const tau = tf.scalar(c.temperature);
        const targets = c.targets ? tensorOf(c.targets) : undefined;
        const f = (x: tf.Tensor, y: tf.Tensor, t: tf.Tensor) =>
          infoNce(x, y, t, { normalize: c.normalize, ...(targets ? { targets } : {}) });
        const { value, grads } = tf.valueAndGrads(f)([a, b, tau]);
        expect(scaledErr(value.dataSync()[0]!, c.loss)).toBeLessThan(1e-5);
        expect(scaledErrTensor(grads[0]!, c.gradA)).toBeLessThan(1e-5);
        expect(scaledErrTensor(grads[1]!, c.gradB)).toBeLessThan(1e-5);
        expect(scaledErr(grads[2]!.dataSync()[0]!, c.gradTemperature)).toBeLessThan(1e-5);
      });
    });
  }

  it('equals the textbook form with crossEntropy, and a learnable log-temperature gets its gradient', () => {
    tf.tidy(() => {
      const c = golden.cases[0]!;
      const a = tensorOf(c.a);
      const b = tensorOf(c.b);
      const n = c.a.shape[0]!;
      const labels = tf.range(0, n, 1, 'int32');
      const norm = (x: tf.Tensor) => tf.div(x, tf.norm(x, 'euclidean', 1, true));
      const logits = tf.div(tf.matMul(norm(a), norm(b), false, true), c.temperature);
      const ref = tf.mul(tf.add(crossEntropy(logits, labels), crossEntropy(tf.transpose(logits), labels)), 0.5);
      expect(scaledErr(infoNce(a, b, c.temperature).dataSync()[0]!, ref.dataSync()[0]!)).toBeLessThan(1e-6);
      // τ = exp(logTau): ∂L/∂logTau = ∂L/∂τ · τ
      const logTau = tf.scalar(Math.log(c.temperature));
      const g = tf.grad((lt: tf.Tensor) => infoNce(a, b, tf.exp(lt)))(logTau);
      expect(scaledErr(g.dataSync()[0]!, c.gradTemperature * c.temperature)).toBeLessThan(1e-5);
    });
  });

  it('identity targets reproduce the diagonal loss; a targets matrix of any dtype is accepted', () => {
    tf.tidy(() => {
      const c = golden.cases[1]!;
      const a = tensorOf(c.a);
      const b = tensorOf(c.b);
      const n = c.a.shape[0]!;
      const plain = infoNce(a, b, 1).dataSync()[0]!;
      expect(scaledErr(infoNce(a, b, 1, { targets: tf.eye(n) }).dataSync()[0]!, plain)).toBeLessThan(1e-6);
      expect(
        scaledErr(infoNce(a, b, 1, { targets: tf.eye(n, n, undefined, 'int32') }).dataSync()[0]!, plain),
      ).toBeLessThan(1e-6);
      const same = golden.cases[3]!;
      const lab = tf.tensor1d(same.labels!, 'int32');
      const fromLabels = tf.equal(tf.expandDims(lab, 1), tf.expandDims(lab, 0)); // bool
      const ref = infoNce(tensorOf(same.a), tensorOf(same.b), 1, { targets: tensorOf(same.targets!) }).dataSync()[0]!;
      expect(infoNce(tensorOf(same.a), tensorOf(same.b), 1, { targets: fromLabels }).dataSync()[0]!).toBeCloseTo(
        ref,
        6,
      );
    });
  });

  it('rejects mismatched shapes', () => {
    tf.tidy(() => {
      expect(() => infoNce(tf.zeros([4, 3]), tf.zeros([4, 2]), 1)).toThrow(/same shape/);
      expect(() => infoNce(tf.zeros([4, 3]), tf.zeros([4, 3]), tf.ones([2]))).toThrow(/scalar/);
      expect(() => infoNce(tf.zeros([4, 3]), tf.zeros([4, 3]), 1, { targets: tf.eye(3) })).toThrow(/targets/);
    });
  });

  it('leaks no tensor, forward and backward', () => {
    const c = golden.cases[2]!;
    const a = tensorOf(c.a);
    const b = tensorOf(c.b);
    const targets = tensorOf(c.targets!);
    const tau = tf.scalar(0.07);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((x: tf.Tensor, y: tf.Tensor, t: tf.Tensor) => infoNce(x, y, t, { targets }))([a, b, tau]);
    });
    infoNce(a, b, 0.07, { targets }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, targets, tau]);
  });
});
