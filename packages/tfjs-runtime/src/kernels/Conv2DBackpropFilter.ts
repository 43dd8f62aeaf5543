import * as tf from '@tensorflow/tfjs';
import { asTensor4D, cropHW, explicitPads, readWindow } from './common.js';

/**
 * Conv2DBackpropFilter for backends that lack it (tfjs-backend-wasm 4.x), composed from
 * native wasm (XNNPACK) kernels.
 *
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} xpad[b, oh·sh+kh, ow·sw+kw, ci] · dy[b,oh,ow,co]
 *
 * Two formulations; `chooseConv2DBackpropFilterMethod` picks per shape (see README timings):
 *
 * - `conv`: the sum above *is* a forward convolution. The input, transposed to
 *   [Ci, H, W, B], is a batch of Ci images with B channels; dy transposed to [OH, OW, B, Co]
 *   is an OH×OW filter; a stride-1 conv with dilation = stride (padding passed to the conv
 *   itself) yields [Ci, KH, KW, Co], transposed to [KH, KW, Ci, Co].
 * - `im2col` (stride 1 only): x transposed to [Ci, B, H, W], padded, one plain slice per
 *   kernel offset reshaped to [Ci, N] and concatenated to [KH·KW·Ci, N]; one plain matMul
 *   with dy as [N, Co] (no transposeA/transposeB flags, which are slow on wasm). Wins for
 *   1×1 kernels and very few input channels, where the conv formulation has too few rows.
 */
export type Conv2DBackpropFilterMethod = 'conv' | 'im2col';

export function chooseConv2DBackpropFilterMethod(info: tf.backend_util.Conv2DInfo): Conv2DBackpropFilterMethod {
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  const taps = info.filterHeight * info.filterWidth;
  if (stride1 && (taps === 1 || taps * info.inChannels <= 32)) return 'im2col';
  return 'conv';
}

/** x, dy in NHWC; returns dW of shape info.filterShape ([KH, KW, Ci, Co]). */
export function conv2DBackpropFilterNHWC(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
  method: Conv2DBackpropFilterMethod = chooseConv2DBackpropFilterMethod(info),
): tf.Tensor4D {
  return tf.tidy(() => {
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const [, height, width] = x.shape;
    const h = readWindow(height, info.padInfo.top, info.outHeight, sh, kh);
    const w = readWindow(width, info.padInfo.left, info.outWidth, sw, kw);
    if (h.keep <= 0 || w.keep <= 0) return tf.zeros(info.filterShape) as tf.Tensor4D;
    const xs = cropHW(x, h, w);
    if (method === 'conv' || sh !== 1 || sw !== 1) {
      const xt = tf.transpose(xs, [3, 1, 2, 0]); // [Ci, h, w, B]
      const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
      const out = tf.conv2d(xt, dyt, 1, explicitPads(h, w), 'NHWC', [sh, sw]); // [Ci, KH, KW, Co]
      return tf.transpose(out, [1, 2, 0, 3]);
    }
    const [b, , , ci] = xs.shape;
    const n = b * info.outHeight * info.outWidth;
    let xt: tf.Tensor4D = tf.transpose(xs, [3, 0, 1, 2]); // [Ci, B, h, w]
    const pads: [number, number][] = [
      [0, 0],
      [0, 0],
      [h.padBefore, h.padAfter],
      [w.padBefore, w.padAfter],
    ];
    if (pads.some(([a, z]) => a !== 0 || z !== 0)) xt = tf.pad(xt, pads);
    const cols: tf.Tensor2D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const win = kh === 1 && kw === 1 ? xt : tf.slice(xt, [0, 0, i, j], [ci, b, info.outHeight, info.outWidth]);
        cols.push(tf.reshape(win, [ci, n]));
      }
    }
    const patches = cols.length === 1 ? cols[0]! : tf.concat(cols, 0); // [KH·KW·Ci, N]
    const dW = tf.matMul(patches, tf.reshape(dy, [n, info.outChannels]));
    return tf.reshape(dW, info.filterShape);
  });
}

export const conv2DBackpropFilterKernelFunc: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  return tf.tidy(() => {
    let x = asTensor4D(inputs['x']!);
    let dy = asTensor4D(inputs['dy']!);
    if (dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    return conv2DBackpropFilterNHWC(x, dy, info);
  });
};

export function conv2DBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return { kernelName: tf.Conv2DBackpropFilter, backendName, kernelFunc: conv2DBackpropFilterKernelFunc };
}
