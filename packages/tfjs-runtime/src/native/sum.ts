import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { IN_ORDER_ROWS, lastReduction, middleReduction } from './reduction-axes.js';

/**
 * Sum over leading axes (bias and batch-norm-style gradients: [rows, features] → [features]) and
 * over contiguous middle axes of at most IN_ORDER_ROWS rows (per-image sums over H, W: the stock
 * kernel's bits) by one native pass; the stock wasm kernel transposes first. On the addon, sums over
 * the trailing axes too (a row's sum of squares): each row in order as the stock kernel, four rows
 * at a time and over the threads. Any other reduction, and non-float32 input, goes to the stock
 * kernel.
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
      const last = native?.onAddon && x.dtype === 'float32' ? lastReduction(x.shape, axis, keepDims) : undefined;
      if (native && last && last.rows > 0 && last.cols > 0) {
        const out = native.output(last.outShape);
        native.sum_last(native.offsetOf(x), out.offset, 0, last.rows, last.cols, 1);
        return out.info;
      }
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

/**
 * The gradient of Sum: dy spread over the reduced axes (Tile). tfjs's own multiplies dy by a tensor
 * of ones of x's shape filled in JavaScript on every call (a row norm's sum over a whole feature map
 * of 128 images: 1.6 M ones, ≈ 1.5 % of an FFSD step); dy · 1 = dy, so the broadcast alone is the
 * same values. Registered over tfjs's by `registerComposedKernels` (gradients are global).
 */
export const sumGradient: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.reshape(dy as tf.Tensor, expanded), x.shape) };
  },
};
