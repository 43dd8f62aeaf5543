import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from '../kernels/BatchMatMul.js';
import { nativeKernelsFor } from './module.js';

const KC = 256; // native/kd_kernels.c MM_KC
const MR = 4; // native/kd_kernels.c: rows of the register tile

/**
 * BatchMatMul by the native packed GEMM (4×8 register tile; transposes are absorbed by the
 * packing, so transposeA/B cost nothing extra). Batch dimensions must be equal or one side 1
 * (broadcast); other broadcasts and non-float32 inputs take the explicit-transpose path.
 */
export function nativeBatchMatMulConfig(backendName: string): tf.KernelConfig {
  const fallback = batchMatMulConfig(backendName).kernelFunc;
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const a = inputs['a']!;
      const b = inputs['b']!;
      const native = nativeKernelsFor(backend);
      const ra = a.shape.length;
      const rb = b.shape.length;
      if (!native || a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return fallback(args);
      const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
      const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
      if (k !== kb) return fallback(args); // let the stock kernel raise its own error
      const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
      const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
      if (batchA !== batchB && batchA !== 1 && batchB !== 1) return fallback(args);
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (outBatch.reduce((p, d) => p * d, 1) !== Math.max(batchA, batchB)) return fallback(args);
      const out = native.output([...outBatch, m, n]);
      const batch = Math.max(batchA, batchB);
      if (m * n === 0 || batch === 0) return out.info;
      const scratch = native.malloc((KC * Math.ceil(n / 8) * 8 + KC * MR + 8 * MR) * 4);
      try {
        native.batch_matmul(
          native.offsetOf(a), native.offsetOf(b), out.offset, batch, m, n, k,
          batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, transposeA ? 1 : 0, transposeB ? 1 : 0, scratch,
        );
      } finally {
        native.free(scratch);
      }
      return out.info;
    },
  };
}
