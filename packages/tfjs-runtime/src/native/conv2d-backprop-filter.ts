import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernelFunc } from '../kernels/Conv2DBackpropFilter.js';
import { nativeKernelsFor } from './module.js';

/**
 * Conv2DBackpropFilter by the native kernel (an implicit-im2col GEMM over the pixels with a
 * 4×8 register tile; see kd_kernels.c (@kd/native-kernels csrc/)). NCHW inputs and non-float32 tensors take the
 * composed path.
 */
export const nativeConv2DBackpropFilter: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const native = nativeKernelsFor(backend);
  if (!native || dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return conv2DBackpropFilterKernelFunc(args);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const out = native.output([...info.filterShape]);
  native.conv2d_backprop_filter(
    native.offsetOf(x),
    native.offsetOf(dy),
    out.offset,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  );
  return out.info;
};

export function nativeConv2DBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return { kernelName: tf.Conv2DBackpropFilter, backendName, kernelFunc: nativeConv2DBackpropFilter };
}
