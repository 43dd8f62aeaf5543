import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { poolDims } from './pool-dims.js';

/**
 * MaxPoolGrad by one native pass per image (on the addon's threads): each window's argmax (first
 * maximum, as the cpu backend) found 4 channels at a time, its gradient added there. Replaces the
 * stock wasm kernel (the largest item of a small CNN's training step) for float32 inputs; anything
 * else goes to the stock kernel.
 */
export function nativeMaxPoolGradConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.MaxPoolGrad, backendName);
  if (!stock) throw new Error(`${backendName} lacks MaxPoolGrad`);
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const dy = inputs['dy']!;
      const x = inputs['input']!;
      const native = nativeKernelsFor(backend);
      if (!native || x.dtype !== 'float32' || dy.dtype !== 'float32') return stock.kernelFunc(args);
      const { dims } = poolDims(x.shape, attrs as unknown as tf.MaxPoolGradAttrs);
      const out = native.output([...x.shape]);
      native.max_pool_grad(native.offsetOf(x), native.offsetOf(dy), out.offset, ...dims);
      return out.info;
    },
  };
}
