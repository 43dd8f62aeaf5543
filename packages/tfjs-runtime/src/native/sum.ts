import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { IN_ORDER_ROWS, middleReduction } from './reduction-axes.js';

/**
 * Sum over leading axes (bias and batch-norm-style gradients: [rows, features] → [features]) and
 * over contiguous middle axes of at most IN_ORDER_ROWS rows (per-image sums over H, W: the stock
 * kernel's bits) by one native pass; the stock wasm kernel transposes first. Any other reduction,
 * and non-float32 input, goes to the stock kernel.
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
      const r = middleReduction(x.shape, axis, keepDims);
      if (!native || x.dtype !== 'float32' || !r || (r.outer > 1 && r.rows > IN_ORDER_ROWS)) {
        return stock.kernelFunc(args);
      }
      const out = native.output(r.outShape);
      if (r.outer === 1) native.sum_rows(native.offsetOf(x), out.offset, r.rows, r.cols);
      else native.sum_middle(native.offsetOf(x), out.offset, r.outer, r.rows, r.cols, 1);
      return out.info;
    },
  };
}
