import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropInputConfig } from '../kernels/Conv2DBackpropInput.js';
import { gatherConv, gradientPadding } from './gather-conv.js';
import { nativeKernelsFor } from './module.js';

/**
 * Conv2DBackpropInput by the native gather convolution: for each input pixel, only the taps that
 * reach it (exact division by the stride) are summed, so a strided convolution's gradient costs
 * 1/stride² of the dense transposed convolution — no multiplications by the zeros of a dilated
 * gradient. NCHW inputs and non-float32 tensors take the composed path.
 */
export function nativeConv2DBackpropInputConfig(backendName: string): tf.KernelConfig {
  const composed = conv2DBackpropInputConfig(backendName).kernelFunc;
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const dy = inputs['dy']!;
      const filter = inputs['filter']!;
      const native = nativeKernelsFor(backend);
      if (!native || dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32')
        return composed(args);
      const info = tf.backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const {
        filterHeight: kh,
        filterWidth: kw,
        inChannels: c,
        outChannels: co,
        strideHeight: sh,
        strideWidth: sw,
      } = info;
      const { dilationHeight: dh, dilationWidth: dw } = info;
      const rowsPad = gradientPadding(info.inHeight, info.outHeight, kh, sh, dh, info.padInfo.top);
      const colsPad = gradientPadding(info.inWidth, info.outWidth, kw, sw, dw, info.padInfo.left);
      const out = native.output([...inputShape]);
      const wt = native.malloc(kh * kw * c * co * 4);
      try {
        native.rotate_transpose_filter(native.offsetOf(filter), wt, kh * kw, c, co);
        gatherConv(
          native,
          {
            offset: native.offsetOf(dy),
            n: info.batchSize,
            h: info.outHeight,
            w: info.outWidth,
            c: co,
            top: rowsPad.before,
            bottom: rowsPad.after,
            left: colsPad.before,
            right: colsPad.after,
          },
          wt,
          out.offset,
          { h: info.inHeight, w: info.inWidth, c },
          { h: kh, w: kw },
          // the filter is rotated, so tap k here is tap K−1−k of the convolution
          { a: 1, b: info.padInfo.top - (kh - 1) * dh + rowsPad.before * sh, d: dh, s: sh },
          { a: 1, b: info.padInfo.left - (kw - 1) * dw + colsPad.before * sw, d: dw, s: sw },
        );
      } finally {
        native.free(wt);
      }
      return out.info;
    },
  };
}
