import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { CONNECTOR_KINDS, ConvConnector, pointwiseGeometry } from './connector.js';
import { Conv2d } from './conv2d.js';

const x = () => tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;

describe('ConvConnector', () => {
  it('maps [B, H, W, C_in] to [B, H, W, C_out] with a 1x1 conv, for every kind', () => {
    for (const kind of CONNECTOR_KINDS) {
      const c = new ConvConnector(pointwiseGeometry(3, 5), kind, new Rng(1));
      expect(c.geometry).toEqual({ inChannels: 3, outChannels: 5, kernel: 1, stride: 1, padding: 0 });
      expect(c.conv.weight.shape).toEqual([1, 1, 3, 5]);
      expect(c.apply(x()).shape).toEqual([2, 6, 6, 5]);
      c.dispose();
    }
  });

  it('names its variables conv.* and bn.* (the paths checkpoints refer to)', () => {
    const paths = (kind: (typeof CONNECTOR_KINDS)[number]) => {
      const c = new ConvConnector(pointwiseGeometry(3, 5), kind, new Rng(1));
      const out = { params: [...c.namedParameters().keys()].sort(), all: [...c.namedVariables().keys()].sort() };
      c.dispose();
      return out;
    };
    const withBn = {
      params: ['bn.beta', 'bn.gamma', 'conv.bias', 'conv.weight'],
      all: ['bn.beta', 'bn.gamma', 'bn.running_mean', 'bn.running_var', 'conv.bias', 'conv.weight'],
    };
    expect(paths('conv-bn-relu')).toEqual(withBn);
    expect(paths('conv-bn')).toEqual(withBn);
    expect(paths('conv')).toEqual({ params: ['conv.bias', 'conv.weight'], all: ['conv.bias', 'conv.weight'] });
  });

  it('strided geometry: a 3x3 conv with stride k and padding 1 maps a k times larger map (ceil(H/k))', () => {
    const c = new ConvConnector(
      { inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1 },
      'conv-bn-relu',
      new Rng(1),
    );
    expect(c.conv.weight.shape).toEqual([3, 3, 3, 4]);
    expect(c.apply(x()).shape).toEqual([2, 3, 3, 4]);
    const c3 = new ConvConnector(
      { inChannels: 3, outChannels: 4, kernel: 3, stride: 3, padding: 1 },
      'conv',
      new Rng(1),
    );
    expect(c3.apply(x()).shape).toEqual([2, 2, 2, 4]);
    c.dispose();
    c3.dispose();
  });

  it('draws its init as a torch-default Conv2d with bias from the same Rng (weight, then bias)', () => {
    const c = new ConvConnector(
      { inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1 },
      'conv-bn',
      new Rng(9),
    );
    const ref = new Conv2d(3, 4, { kernel: 3, stride: 2, padding: 1, bias: true, init: 'torch-default' }, new Rng(9));
    expect(Array.from(c.conv.weight.dataSync())).toEqual(Array.from(ref.weight.dataSync()));
    expect(Array.from(c.conv.bias!.dataSync())).toEqual(Array.from(ref.bias!.dataSync()));
    c.dispose();
    ref.dispose();
  });

  it('conv is the bare conv; conv-bn normalises with batch statistics in training; conv-bn-relu then clamps at 0', () => {
    const input = x();
    const bare = new ConvConnector(pointwiseGeometry(3, 5), 'conv', new Rng(2));
    const bn = new ConvConnector(pointwiseGeometry(3, 5), 'conv-bn', new Rng(2));
    const relu = new ConvConnector(pointwiseGeometry(3, 5), 'conv-bn-relu', new Rng(2));
    const y0 = bare.apply(input);
    expect(Array.from(y0.dataSync())).toEqual(Array.from(bare.conv.apply(input).dataSync()));
    const y1 = bn.apply(input, true);
    const { mean, variance } = tf.moments(y1, [0, 1, 2]);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-5);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
    expect(Array.from(bn.bn!.runningMean.dataSync())).not.toEqual([0, 0, 0, 0, 0]); // updated once
    const y2 = relu.apply(input, true);
    expect(Array.from(y2.dataSync())).toEqual(Array.from(tf.relu(y1).dataSync()));
    // inference uses the running statistics (fresh: identity BN up to eps)
    const fresh = new ConvConnector(pointwiseGeometry(3, 5), 'conv-bn', new Rng(2));
    const yi = fresh.apply(input, false);
    expect(tf.max(tf.abs(tf.sub(yi, y0))).dataSync()[0]).toBeLessThan(1e-4);
    for (const m of [bare, bn, relu, fresh]) m.dispose();
  });

  it('leaks no tensors and disposes its variables', () => {
    const input = x();
    const before = tf.memory().numTensors;
    const c = new ConvConnector(pointwiseGeometry(3, 5), 'conv-bn-relu', new Rng(3));
    expect(tf.memory().numTensors).toBe(before + 6);
    const y = c.apply(input);
    expect(tf.memory().numTensors).toBe(before + 7);
    y.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
