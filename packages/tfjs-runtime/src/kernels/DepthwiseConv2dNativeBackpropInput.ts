import * as tf from '@tensorflow/tfjs';
import { allOnes, asTensor4D, cropHW, explicitPads, fitAxis } from './common.js';

/**
 * DepthwiseConv2dNativeBackpropInput for backends that lack it (tfjs-backend-wasm 4.x).
 *
 *   dx[b,i,j,c] = Σ_{kh,kw,m} u[b, i+top-kh, j+left-kw, c·M+m] · W[kh,kw,c,m]
 *
 * where u is dy with (stride-1) zeros inserted between rows/columns. Formulated as one
 * *depthwise* forward convolution of u (channels C·M) with the spatially flipped filter
 * reshaped to [KH, KW, C·M, 1], stride 1, padding KH-1-top / KW-1-left (cropping when
 * negative), followed by a sum over M when the channel multiplier is > 1. The zero insertion
 * is a reshape/pad/reshape. This does the depthwise amount of work, unlike a block-diagonal
 * dense filter + conv2dTranspose, which is C times more work (measured 10–300× slower).
 */
export function depthwiseConv2dBackpropInputNHWC(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const { batchSize: b, inHeight: height, inWidth: width, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const cm = info.outChannels;
    const m = cm / c;
    let u: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, cm]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      u = tf.reshape(spread, [b, oh * sh, ow * sw, cm]);
    }
    // correlation of u (padded by KH-1-top before) with the flipped filter, output height H
    const padTop = kh - 1 - info.padInfo.top;
    const padLeft = kw - 1 - info.padInfo.left;
    const h = fitAxis(oh * sh, padTop, height + kh - 1 - padTop - oh * sh);
    const w = fitAxis(ow * sw, padLeft, width + kw - 1 - padLeft - ow * sw);
    if (h.keep <= 0 || w.keep <= 0) return tf.zeros(info.inShape) as tf.Tensor4D;
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, cm, 1]);
    const out = tf.depthwiseConv2d(cropHW(u, h, w), flipped as tf.Tensor4D, 1, explicitPads(h, w)); // [B, H, W, C·M]
    return m === 1 ? out : tf.sum(tf.reshape(out, [b, height, width, c, m]), 4);
  });
}

export const depthwiseConv2dNativeBackpropInputKernelFunc: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  if (!allOnes(dilations)) {
    throw new Error(`DepthwiseConv2dNativeBackpropInput (composed): dilations must be 1, got ${String(dilations)}`);
  }
  return tf.tidy(() => {
    const dy = asTensor4D(inputs['dy']!);
    const filter = asTensor4D(inputs['filter']!);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, true);
    return depthwiseConv2dBackpropInputNHWC(dy, filter, info);
  });
};

export function depthwiseConv2dNativeBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: depthwiseConv2dNativeBackpropInputKernelFunc,
  };
}
