import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TinyNet } from './index.js';

describe('TinyNet', () => {
  it('returns every declared tap with its declared shape', () => {
    const net = new TinyNet(4, 8, 3, 1);
    const specs = net.tapSpecs();
    const out = tf.tidy(() => {
      const values = net.forward({ x: tf.zeros([2, 8, 8, 1]) }, { training: false });
      return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.shape.slice(1)]));
    });
    for (const [name, spec] of Object.entries(specs)) expect(out[name], name).toEqual(spec.shape);
  });
});
