import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

/**
 * Sum over leading axes (bias and batch-norm-style gradients: [rows, features] → [features]) by
 * one native pass over the rows; the stock wasm kernel transposes first. Any other reduction, and
 * non-float32 input, goes to the stock kernel.
 */
export function nativeSumConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Sum, backendName);
  if (!stock) throw new Error(`${backendName} lacks Sum`);
  return {
    kernelName: tf.Sum,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
      const x = inputs['x']!;
      const native = nativeKernelsFor(backend);
      const rank = x.shape.length;
      const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
      const leading = axes.length > 0 && axes.length < rank && axes.every((ax, i) => ax === i);
      if (!native || x.dtype !== 'float32' || !leading) return stock.kernelFunc(args);
      const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
      const kept = x.shape.slice(axes.length);
      const shape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
      const out = native.output(shape);
      native.sum_rows(
        native.offsetOf(x),
        out.offset,
        rows,
        kept.reduce((p, d) => p * d, 1),
      );
      return out.info;
    },
  };
}
