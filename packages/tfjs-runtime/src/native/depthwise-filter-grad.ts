import * as tf from '@tensorflow/tfjs';
import { allOnes } from '../kernels/common.js';
import { depthwiseConv2dNativeBackpropFilterKernelFunc } from '../kernels/DepthwiseConv2dNativeBackpropFilter.js';
import { nativeKernelsFor } from './module.js';
import { windowDims } from './pool-dims.js';

/**
 * DepthwiseConv2dNativeBackpropFilter by the native kernel (kd_kernels.c `depthwise_filter_grad`:
 * pixel by pixel, each tap's row of the gradient gaining x·dy; on the addon, chunks of images over
 * the threads as Conv2DBackpropFilter). The composed kernel — a depthwise convolution of the batch
 * folded into channels — took ≈ 50 ms for FFSD's fusion module ([128, 9, 9, 128] ⊛ [128, 7, 7, 128]),
 * 5 % of an FFSD step. A channel multiplier above 1, a dilation, or non-float32 tensors take the
 * composed path (as on backends without kd's kernels).
 */
export const nativeDepthwiseConv2dBackpropFilter: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const native = nativeKernelsFor(backend);
  const multiplier = filterShape[3];
  if (!native || !allOnes(dilations) || multiplier !== 1 || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return depthwiseConv2dNativeBackpropFilterKernelFunc(args);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const out = native.output([...info.filterShape]);
  native.depthwise_filter_grad(native.offsetOf(x), native.offsetOf(dy), out.offset, ...windowDims(info));
  return out.info;
};

/** Registered where the backend lacks the kernel (tfjs-backend-wasm 4.x): native when it can, else composed. */
export function nativeDepthwiseConv2dBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: nativeDepthwiseConv2dBackpropFilter,
  };
}
