import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { middleReduction } from './reduction-axes.js';

/**
 * Mean over contiguous axes short of the last — the global average pool over H, W of NHWC at the
 * end of every CNN and ResNet here — by one native pass (the sum as the native Sum adds it, then
 * divided by the count); the stock wasm kernel transposes first. Any other reduction, and
 * non-float32 input, goes to the stock kernel.
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
      const r = middleReduction(x.shape, axis, keepDims);
      if (!native || x.dtype !== 'float32' || !r || r.rows === 0) return stock.kernelFunc(args);
      const out = native.output(r.outShape);
      native.sum_middle(native.offsetOf(x), out.offset, r.outer, r.rows, r.cols, r.rows);
      return out.info;
    },
  };
}
