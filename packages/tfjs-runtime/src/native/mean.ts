import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { IN_ORDER_ROWS, lastReduction, middleReduction } from './reduction-axes.js';

/**
 * Mean over contiguous axes short of the last, of at most IN_ORDER_ROWS rows — the global average
 * pool over H, W of NHWC at the end of every CNN and ResNet here — by one native pass: the rows
 * added in order, then divided by their count, the stock kernel's bits; the stock wasm kernel
 * transposes first. On the addon, means over the trailing axes too (an attention map's channel
 * mean), each row in order then divided, as the stock kernel, four rows at a time and threaded. Any other reduction, and non-float32 input, goes to the stock kernel.
 */
export function nativeMeanConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Mean, backendName);
  if (!stock) throw new Error(`${backendName} lacks Mean`);
  return {
    kernelName: tf.Mean,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
      const x = inputs['x']!;
      const native = nativeKernelsFor(backend);
      const last = native?.onAddon && x.dtype === 'float32' ? lastReduction(x.shape, axis, keepDims) : undefined;
      if (native && last && last.rows > 0 && last.cols > 0) {
        const out = native.output(last.outShape);
        native.sum_last(native.offsetOf(x), out.offset, 0, last.rows, last.cols, last.cols);
        return out.info;
      }
      const r = middleReduction(x.shape, axis, keepDims);
      if (!native || x.dtype !== 'float32' || !r || r.rows === 0 || r.rows > IN_ORDER_ROWS) {
        return stock.kernelFunc(args);
      }
      const out = native.output(r.outShape);
      native.sum_middle(native.offsetOf(x), out.offset, r.outer, r.rows, r.cols, r.rows);
      return out.info;
    },
  };
}

/**
 * The gradient of Mean: dy / n spread over the reduced axes. tfjs's own multiplies dy by a tensor of
 * ones of x's shape that it fills in JavaScript on every call (≈ 5 ms of a 25 ms small-CNN step, and
 * a fresh 1.6 MB array to fault in); this divides dy by n and broadcasts it (Tile): the same values,
 * since dy · 1 = dy and the division is the same. Registered over tfjs's by
 * `registerComposedKernels` (gradients are global, not per backend).
 */
export const meanGradient: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const g = dy as tf.Tensor;
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a]!, 1);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(g, expanded), reduceSize), x.shape) };
  },
};
