import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';

/**
 * Seeded weight initialisers that produce identical values on every backend (values are drawn in
 * JS, not by the backend). Conventions match PyTorch's defaults where noted.
 */
export function normalTensor(shape: number[], std: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
  return tf.tensor(data, shape);
}

export function uniformTensor(shape: number[], bound: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) * bound;
  return tf.tensor(data, shape);
}

/** He/Kaiming normal, fan-out mode (torchvision ResNets: kaiming_normal_(mode='fan_out', relu)). */
export function kaimingNormalFanOut(shape: [number, number, number, number], rng: Rng): tf.Tensor {
  const [kh, kw, , co] = shape;
  return normalTensor(shape, Math.sqrt(2 / (kh * kw * co)), rng);
}

/** PyTorch's default Linear/Conv init bound: 1/sqrt(fan_in) (kaiming_uniform with a=sqrt(5)). */
export function torchDefaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}
