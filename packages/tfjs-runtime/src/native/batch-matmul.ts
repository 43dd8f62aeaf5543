import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from '../kernels/BatchMatMul.js';
import { nativeKernelsFor } from './module.js';

const KC = 256; // kd_kernels.c (@kd/native-kernels csrc/) MM_KC
const MR = 5; // kd_kernels.c (@kd/native-kernels csrc/) MM_MR: rows of the register tile (5 in the relaxed-SIMD build, 4 otherwise)

/** Maps an output batch index to the (flat) batch index of an operand broadcast to `outShape`. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[]): (o: number) => number {
  const lead = outShape.length - shape.length;
  return (o: number) => {
    let index = 0;
    let stride = 1;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const coord = o % outShape[d]!;
      o = Math.floor(o / outShape[d]!);
      if (d >= lead && shape[d - lead]! !== 1) index += coord * stride;
      if (d >= lead) stride *= shape[d - lead]!;
    }
    return index;
  };
}

/**
 * BatchMatMul by the native packed GEMM (4×8 register tile; transposes are absorbed by the
 * packing, so transposeA/B cost nothing extra), for any batch broadcast. Non-float32 inputs take
 * the explicit-transpose path.
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
      const batchShapeA = a.shape.slice(0, -2);
      const batchShapeB = b.shape.slice(0, -2);
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
      const out = native.output([...outBatch, m, n]);
      const batch = outBatch.reduce((p, d) => p * d, 1);
      if (m * n === 0 || batch === 0) return out.info;
      const batchA = batchShapeA.reduce((p, d) => p * d, 1);
      const batchB = batchShapeB.reduce((p, d) => p * d, 1);
      const scratch = native.gemmScratch ? native.malloc((KC * Math.ceil(n / 8) * 8 + KC * MR + 8 * MR) * 4) : 0;
      try {
        const [offA, offB, offC] = [native.offsetOf(a), native.offsetOf(b), out.offset];
        const transA = transposeA ? 1 : 0;
        const transB = transposeB ? 1 : 0;
        if ((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1)) {
          // equal batches, or one operand shared by all (stride 0): one call
          native.batch_matmul(
            offA,
            offB,
            offC,
            batch,
            m,
            n,
            k,
            batchA === 1 ? 0 : m * k,
            batchB === 1 ? 0 : k * n,
            transA,
            transB,
            scratch,
          );
        } else {
          // any other broadcast (e.g. [R,1,…]·[R,H,…]): one product per output batch, operands located
          // by the broadcasting rules (tfjs's own kernels get these wrong in 4.22)
          const ia = broadcastIndex(batchShapeA, outBatch);
          const ib = broadcastIndex(batchShapeB, outBatch);
          for (let o = 0; o < batch; o++) {
            native.batch_matmul(
              offA + ia(o) * m * k * 4,
              offB + ib(o) * k * n * 4,
              offC + o * m * n * 4,
              1,
              m,
              n,
              k,
              0,
              0,
              transA,
              transB,
              scratch,
            );
          }
        }
      } finally {
        if (scratch) native.free(scratch);
      }
      return out.info;
    },
  };
}
