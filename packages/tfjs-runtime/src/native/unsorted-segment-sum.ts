import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

/**
 * UnsortedSegmentSum for wasm, which lacks it — and so cannot differentiate `tf.gather` (every
 * embedding lookup). float32 data, int32 segment ids covering the leading axes of `x`.
 */
export function unsortedSegmentSumConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs['x']!;
      const ids = inputs['segmentIds']!;
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      if (x.dtype !== 'float32' || ids.dtype !== 'int32') {
        throw new Error(
          `UnsortedSegmentSum on ${backendName}: needs float32 data and int32 ids, got ${x.dtype} and ${ids.dtype}`,
        );
      }
      const lead = ids.shape.length;
      if (ids.shape.some((d, i) => d !== x.shape[i])) {
        throw new Error(
          `UnsortedSegmentSum: segment ids of shape [${ids.shape}] do not cover the leading axes of [${x.shape}]`,
        );
      }
      const native = nativeKernelsFor(backend);
      if (!native) throw new Error(`UnsortedSegmentSum needs the tfjs wasm backend's memory`);
      const innerShape = x.shape.slice(lead);
      const n = ids.shape.reduce((p, d) => p * d, 1);
      const inner = innerShape.reduce((p, d) => p * d, 1);
      const out = native.output([numSegments, ...innerShape]);
      native.unsorted_segment_sum(native.offsetOf(x), native.offsetOf(ids), out.offset, n, inner, numSegments);
      return out.info;
    },
  };
}
