import * as tf from '@tensorflow/tfjs';
import { gatherConv } from './gather-conv.js';
import { nativeKernelsFor } from './module.js';

/**
 * The forward Conv2D by the native gather convolution (4 output columns × 8 channels per register
 * tile over a zero-padded input). Replaces the stock wasm kernel for NHWC float32 inputs; anything
 * else goes to the stock kernel, kept as `fallback`.
 */
export function nativeConv2DConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Conv2D, backendName);
  return {
    kernelName: tf.Conv2D,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
      const x = inputs['x']!;
      const filter = inputs['filter']!;
      const native = nativeKernelsFor(backend);
      if (!native || dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') {
        if (!stock) throw new Error(`no stock Conv2D kernel for ${backendName}`);
        return stock.kernelFunc(args);
      }
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        strides,
        dilations,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const needH = (info.outHeight - 1) * sh + (info.filterHeight - 1) * dh + 1;
      const needW = (info.outWidth - 1) * sw + (info.filterWidth - 1) * dw + 1;
      const out = native.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
      if (info.outHeight * info.outWidth > 0) {
        gatherConv(
          native,
          {
            offset: native.offsetOf(x),
            n: info.batchSize,
            h: info.inHeight,
            w: info.inWidth,
            c: info.inChannels,
            top,
            bottom: Math.max(0, needH - top - info.inHeight),
            left,
            right: Math.max(0, needW - left - info.inWidth),
          },
          native.offsetOf(filter),
          out.offset,
          { h: info.outHeight, w: info.outWidth, c: info.outChannels },
          { h: info.filterHeight, w: info.filterWidth },
          { a: sh, b: 0, d: dh, s: 1 },
          { a: sw, b: 0, d: dw, s: 1 },
        );
      }
      return out.info;
    },
  };
}
