import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TappedModel } from '@kd/core';
import { CifarResNet } from './resnet.js';
import { SmallCnn } from './small-cnn.js';
import { WideResNet } from './wide-resnet.js';

interface Quantised {
  shape: number[];
  q: number[];
}
interface Case {
  scale: number;
  weights: Record<string, Quantised>;
  x: Quantised;
  evalLogits: number[];
  trainLogits: number[];
}

// Written by tools/torch_twins.py --fixture: PyTorch weights (in our layout and names), an odd-sized
// input and PyTorch's logits in eval and train mode.
const cases = JSON.parse(readFileSync(new URL('../test/fixtures/torch-twins.json', import.meta.url), 'utf8')) as Record<
  string,
  Case
>;

function load(model: TappedModel, c: Case): void {
  const vars = model.namedVariables();
  expect([...vars.keys()].sort()).toEqual(Object.keys(c.weights).sort());
  for (const [name, v] of vars) {
    const w = c.weights[name]!;
    expect(v.shape).toEqual(w.shape);
    v.assign(tf.tidy(() => tf.div(tf.tensor(w.q, w.shape, 'float32'), c.scale)));
  }
}

function check(model: TappedModel, c: Case): void {
  load(model, c);
  const x = tf.tidy(() => tf.div(tf.tensor(c.x.q, c.x.shape, 'float32'), c.scale));
  for (const [training, expected] of [
    [false, c.evalLogits],
    [true, c.trainLogits],
  ] as const) {
    const { logits } = model.forward({ x }, { training, taps: new Set() });
    const got = Array.from(logits!.dataSync());
    logits!.dispose();
    expect(got.length).toBe(expected.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 4));
  }
  x.dispose();
  model.dispose();
}

describe('numerics match the PyTorch twins (odd input sizes, stride-2 padding)', () => {
  it('CIFAR ResNet-8, widths 4|4,8,16, 9x9x3', () => {
    check(
      new CifarResNet({ inputShape: [9, 9, 3], numClasses: 5, depth: 8, widths: [4, 4, 8, 16], seed: 0 }),
      cases['resnet8-w4']!,
    );
  });

  it('WRN-10-1, 7x7x2', () => {
    check(new WideResNet({ inputShape: [7, 7, 2], numClasses: 5, depth: 10, widen: 1, seed: 0 }), cases['wrn-10-1']!);
  });

  it('small CNN width 4, 11x11x1', () => {
    check(new SmallCnn({ inputShape: [11, 11, 1], numClasses: 5, width: 4, seed: 0 }), cases['cnn-w4']!);
  });
});
