import * as tf from '@tensorflow/tfjs';
import { allOnes, asTensor4D, cropHW, explicitPads, readWindow } from './common.js';

/**
 * DepthwiseConv2dNativeBackpropFilter for backends that lack it (tfjs-backend-wasm 4.x), composed of
 * tfjs ops; where kd's kernels are loaded, ../native/depthwise-filter-grad.ts runs the native one.
 *
 *   dW[kh,kw,c,m] = Σ_{b,oh,ow} xpad[b, oh·sh+kh, ow·sw+kw, c] · dy[b,oh,ow,c·M+m]
 *
 * Formulated as one *depthwise* forward convolution: x transposed to [H, W, B, C] and
 * reshaped to a single image with B·C channels; dy transposed to [OH, OW, B, C·M] and
 * reshaped to an OH×OW depthwise filter [OH, OW, B·C, M]; stride 1, dilation = stride,
 * padding passed to the conv. The result [1, KH, KW, B·C·M] is summed over B.
 * (Measured 3–100× faster on wasm than patches × dy products or batched matMul; see README.)
 */
export function depthwiseConv2dBackpropFilterNHWC(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const [b, height, width, c] = x.shape;
    const m = info.outChannels / info.inChannels;
    const h = readWindow(height, info.padInfo.top, info.outHeight, sh, kh);
    const w = readWindow(width, info.padInfo.left, info.outWidth, sw, kw);
    if (h.keep <= 0 || w.keep <= 0) return tf.zeros(info.filterShape) as tf.Tensor4D;
    const xs = cropHW(x, h, w);
    const image = tf.reshape(tf.transpose(xs, [1, 2, 0, 3]), [1, h.keep, w.keep, b * c]) as tf.Tensor4D;
    const filter = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, b * c, m]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(image, filter, 1, explicitPads(h, w), 'NHWC', [sh, sw]); // [1, KH, KW, B·C·M]
    const perBatch = tf.reshape(out, [kh, kw, b, c * m]);
    return tf.reshape(b === 1 ? perBatch : tf.sum(perBatch, 2), info.filterShape);
  });
}

export const depthwiseConv2dNativeBackpropFilterKernelFunc: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  if (!allOnes(dilations)) {
    throw new Error(`DepthwiseConv2dNativeBackpropFilter (composed): dilations must be 1, got ${String(dilations)}`);
  }
  return tf.tidy(() => {
    const x = asTensor4D(inputs['x']!);
    const dy = asTensor4D(inputs['dy']!);
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, true);
    return depthwiseConv2dBackpropFilterNHWC(x, dy, info);
  });
};
