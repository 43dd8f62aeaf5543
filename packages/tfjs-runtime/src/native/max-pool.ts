import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

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
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
      const x = inputs['x']!;
      const native = nativeKernelsFor(backend);
      if (!native || x.dtype !== 'float32' || x.shape.length !== 4) return stock.kernelFunc(args);
      const info = tf.backend_util.computePool2DInfo(
        x.shape as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const out = native.output([info.batchSize, info.outHeight, info.outWidth, info.inChannels]);
      native.max_pool(
        native.offsetOf(x),
        out.offset,
        info.batchSize,
        info.inHeight,
        info.inWidth,
        info.inChannels,
        info.outHeight,
        info.outWidth,
        info.filterHeight,
        info.filterWidth,
        info.strideHeight,
        info.strideWidth,
        info.padInfo.top,
        info.padInfo.left,
      );
      return out.info;
    },
  };
}
