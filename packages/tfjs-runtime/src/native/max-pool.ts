import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';
import { poolDims } from './pool-dims.js';

/**
 * MaxPool by one native pass per image (on the addon's threads): each window scanned in row-major
 * order, a value replacing the running maximum only when strictly greater — the scan of the native
 * MaxPoolGrad, so the gradient goes to the value returned here. Replaces the stock wasm kernel for
 * float32 input; anything else goes to the stock kernel.
 */
export function nativeMaxPoolConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.MaxPool, backendName);
  if (!stock) throw new Error(`${backendName} lacks MaxPool`);
  return {
    kernelName: tf.MaxPool,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const x = inputs['x']!;
      const native = nativeKernelsFor(backend);
      if (!native || x.dtype !== 'float32' || x.shape.length !== 4) return stock.kernelFunc(args);
      const { outShape, dims } = poolDims(x.shape, attrs as unknown as tf.MaxPoolAttrs);
      const out = native.output(outShape);
      native.max_pool(native.offsetOf(x), out.offset, ...dims);
      return out.info;
    },
  };
}
