import * as tf from '@tensorflow/tfjs';
import { asTensor4D, fitAxis } from './common.js';

/**
 * Conv2DBackpropInput as one forward convolution, replacing the stock wasm kernel (a slow path:
 * ~4.5× slower than the forward conv it undoes, and the largest item of a ResNet training step).
 *
 *   dx[b,h,w,ci] = Σ_{kh,kw,co} dy[b,oh,ow,co] · W[kh,kw,ci,co]   where h = oh·s + kh − padTop
 *
 * is a valid, stride-1 correlation of dy — dilated by the stride (s−1 zeros between rows/columns)
 * and padded by KH−1−padTop on top (the rest at the bottom, cropping where negative) — with the
 * filter rotated by 180° and its channel axes swapped: W'[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co].
 * Dilations other than 1 are not supported (tfjs's own conv2d gradient requires 1 as well).
 */
export function conv2DBackpropInputNHWC(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  return tf.tidy(() => {
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight, inWidth } = info;
    const [b, oh, ow, co] = dy.shape;
    let d: tf.Tensor4D = dy;
    if (sw > 1) {
      // [B·OH, OW, 1, C] → pad the unit axis to sw → [B, OH, OW·sw, C]
      d = tf
        .pad(tf.reshape(d, [b * oh, ow, 1, co]), [
          [0, 0],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ])
        .reshape([b, oh, ow * sw, co]);
    }
    if (sh > 1) {
      const width = d.shape[2];
      d = tf
        .pad(tf.reshape(d, [b, oh, 1, width * co]), [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
        ])
        .reshape([b, oh * sh, width, co]);
    }
    // Rows of the dilated gradient (including the s−1 trailing zeros), padded to H + KH − 1.
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const hFit = fitAxis(oh * sh, top, inHeight + kh - 1 - top - oh * sh);
    const wFit = fitAxis(ow * sw, left, inWidth + kw - 1 - left - ow * sw);
    if (hFit.keep <= 0 || wFit.keep <= 0) return tf.zeros([b, inHeight, inWidth, info.inChannels]) as tf.Tensor4D;
    if (hFit.start !== 0 || wFit.start !== 0 || hFit.keep !== d.shape[1] || wFit.keep !== d.shape[2]) {
      d = tf.slice(d, [0, hFit.start, wFit.start, 0], [b, hFit.keep, wFit.keep, co]);
    }
    const w = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [hFit.padBefore, hFit.padAfter],
      [wFit.padBefore, wFit.padAfter],
      [0, 0],
    ];
    return tf.conv2d(d, w, 1, pads);
  });
}

export function conv2DBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        inputShape: [number, number, number, number];
      };
      const f = asTensor4D(filter);
      const nchw = dataFormat === 'NCHW';
      const shape: [number, number, number, number] = nchw
        ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]]
        : inputShape;
      const info = tf.backend_util.computeConv2DInfo(
        shape,
        f.shape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      if (!nchw) return conv2DBackpropInputNHWC(asTensor4D(dy), f, info);
      return tf.tidy(() =>
        tf.transpose(conv2DBackpropInputNHWC(tf.transpose(asTensor4D(dy), [0, 2, 3, 1]), f, info), [0, 3, 1, 2]),
      );
    },
  };
}
