import * as tf from '@tensorflow/tfjs';

/**
 * The window geometry of a 2-D pool of NHWC `x` as the native pool kernels take it: batch, input
 * height, width, channels, output height, width, window height, width, strides, top and left padding.
 */
export function poolDims(
  xShape: readonly number[],
  attrs: Pick<tf.MaxPoolAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>,
): { outShape: [number, number, number, number]; dims: number[] } {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return { outShape: [info.batchSize, info.outHeight, info.outWidth, info.inChannels], dims: windowDims(info) };
}

/**
 * A window's geometry over NHWC input as kd's windowed kernels take it (the pools, the depthwise
 * filter gradient): batch, input height, width, channels, output height, width, window height,
 * width, strides, top and left padding.
 */
export function windowDims(info: tf.backend_util.Conv2DInfo): number[] {
  return [
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
  ];
}
