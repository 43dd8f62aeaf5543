import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

/**
 * Attention's two products of heads, with the heads read and written where they lie — the
 * projections' [B, N, H, D] layout — instead of transposed to [B, H, N, D] and back:
 *
 *   KdHeadScores   a [B, N, H, D], b [B, M, H, D]                → [B, H, N, M]:  a_h · b_hᵀ
 *   KdHeadContext  p [B, H, N, M] (transposeP: [B, H, M, N]),
 *                  v [B, M, H, D]                                → [B, N, H, D]:  op(p_h) · v_h
 *
 * On the native addon (`headsInPlace`), one strided product per (batch, head): the leading
 * dimensions do what the 8 head transposes of a layer's step did. With OpenBLAS, BLAS packs its
 * operands before it multiplies; with kd's own GEMM, each output is the same chain of products as
 * over the transposed copies: either way the bits are those of the transposes' products. Elsewhere
 * the kernels compose exactly those: Transpose and BatchMatMul. The gradients of each are products of
 * the same two kinds, so a training step has no head transpose left.
 */
export const HEAD_SCORES_KERNEL = 'KdHeadScores';
export const HEAD_CONTEXT_KERNEL = 'KdHeadContext';

const HEADS_PERM = [0, 2, 1, 3];

/** `headScores(a, b)`: [B, N, H, D] × [B, M, H, D] → [B, H, N, M], each head a_h · b_hᵀ. */
export function headScores(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  if (tf.getKernel(HEAD_SCORES_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(HEAD_SCORES_KERNEL, { a, b }) as tf.Tensor4D;
  }
  return tf.matMul(tf.transpose(a, HEADS_PERM), tf.transpose(b, HEADS_PERM), false, true);
}

/**
 * `headContext(p, v)`: [B, H, N, M] × [B, M, H, D] → [B, N, H, D], each head p_h · v_h (with
 * `transposeP`, p is [B, H, M, N] and each head is p_hᵀ · v_h).
 */
export function headContext(p: tf.Tensor4D, v: tf.Tensor4D, transposeP = false): tf.Tensor4D {
  if (tf.getKernel(HEAD_CONTEXT_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(HEAD_CONTEXT_KERNEL, { p, v }, { transposeP }) as tf.Tensor4D;
  }
  return tf.transpose(tf.matMul(p, tf.transpose(v, HEADS_PERM), transposeP, false), HEADS_PERM) as tf.Tensor4D;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Runs the kernels registered for `backendName` on TensorInfos: the composition inside a kernel. */
function composer(backendName: string) {
  return (args: KernelArgs, name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}) => {
    const config = tf.getKernel(name, backendName);
    if (!config) throw new Error(`${backendName} lacks ${name}`);
    return config.kernelFunc({ inputs, backend: args.backend, attrs }) as tf.TensorInfo;
  };
}

function dispose(args: KernelArgs, ...infos: tf.TensorInfo[]) {
  const backend = args.backend as { disposeData(dataId: unknown): void };
  for (const t of infos) backend.disposeData(t.dataId);
}

const float32 = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

/** Both operands rank 4 with the same batch, heads and dims per head (the strided path checks nothing else). */
function checkHeads(kernel: string, a: tf.TensorInfo, b: tf.TensorInfo, headsA: number, headsB: number): void {
  const ok =
    a.shape.length === 4 &&
    b.shape.length === 4 &&
    a.shape[0] === b.shape[0] &&
    a.shape[headsA] === b.shape[headsB] &&
    (kernel === HEAD_SCORES_KERNEL ? a.shape[3] === b.shape[3] : true);
  if (!ok) throw new Error(`${kernel}: operands of shapes [${a.shape}] and [${b.shape}] do not match`);
}

export function headScoresConfig(backendName: string): tf.KernelConfig {
  const run = composer(backendName);
  return {
    kernelName: HEAD_SCORES_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      checkHeads(HEAD_SCORES_KERNEL, a, b, 2, 2);
      const [B, N, H, D] = a.shape as [number, number, number, number];
      const M = b.shape[1]!;
      const k = nativeKernelsFor(args.backend);
      if (k?.heads_matmul && float32(a, b) && D > 0) {
        const out = k.output([B, H, N, M]);
        const row = H * D;
        k.heads_matmul(
          ...[k.offsetOf(a), k.offsetOf(b), out.offset, B, H, N, M, D],
          ...[N * row, D, row, 0],
          ...[M * row, D, row, 1],
          ...[H * N * M, N * M, M],
        );
        return out.info;
      }
      const at = run(args, tf.Transpose, { x: a }, { perm: HEADS_PERM });
      const bt = run(args, tf.Transpose, { x: b }, { perm: HEADS_PERM });
      const out = run(args, tf.BatchMatMul, { a: at, b: bt }, { transposeA: false, transposeB: true });
      dispose(args, at, bt);
      return out;
    },
  };
}

export function headContextConfig(backendName: string): tf.KernelConfig {
  const run = composer(backendName);
  return {
    kernelName: HEAD_CONTEXT_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { p, v } = args.inputs as { p: tf.TensorInfo; v: tf.TensorInfo };
      const { transposeP } = args.attrs as unknown as { transposeP: boolean };
      checkHeads(HEAD_CONTEXT_KERNEL, p, v, 1, 2);
      const [B, H, P0, P1] = p.shape as [number, number, number, number];
      const [rows, K] = transposeP ? [P1, P0] : [P0, P1];
      if (v.shape[1] !== K) throw new Error(`${HEAD_CONTEXT_KERNEL}: ${K} keys in p, ${v.shape[1]} in v`);
      const D = v.shape[3]!;
      const k = nativeKernelsFor(args.backend);
      if (k?.heads_matmul && float32(p, v) && K > 0) {
        const out = k.output([B, rows, H, D]);
        const row = H * D;
        k.heads_matmul(
          ...[k.offsetOf(p), k.offsetOf(v), out.offset, B, H, rows, D, K],
          ...[H * P0 * P1, P0 * P1, P1, transposeP ? 1 : 0],
          ...[K * row, D, row, 0],
          ...[rows * row, D, row],
        );
        return out.info;
      }
      const vt = run(args, tf.Transpose, { x: v }, { perm: HEADS_PERM });
      const ct = run(args, tf.BatchMatMul, { a: p, b: vt }, { transposeA: transposeP, transposeB: false });
      const out = run(args, tf.Transpose, { x: ct }, { perm: HEADS_PERM });
      dispose(args, vt, ct);
      return out;
    },
  };
}

/** S = a_h · b_hᵀ: dA = dS · b (context), dB = dSᵀ · a (context, transposed). */
export const headScoresGradient: tf.GradConfig = {
  kernelName: HEAD_SCORES_KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor4D, tf.Tensor4D];
    const dS = dy as tf.Tensor4D;
    return { a: () => headContext(dS, b), b: () => headContext(dS, a, true) };
  },
};

/**
 * C = p_h · v_h: dP = dC_h · v_hᵀ (scores), dV = p_hᵀ · dC_h (context, transposed);
 * C = p_hᵀ · v_h: dP = v_h · dC_hᵀ (scores), dV = p_h · dC_h (context).
 */
export const headContextGradient: tf.GradConfig = {
  kernelName: HEAD_CONTEXT_KERNEL,
  inputsToSave: ['p', 'v'],
  gradFunc: (dy, saved, attrs) => {
    const [p, v] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { transposeP } = attrs as unknown as { transposeP: boolean };
    const dC = dy as tf.Tensor4D;
    return transposeP
      ? { p: () => headScores(v, dC), v: () => headContext(p, dC) }
      : { p: () => headScores(dC, v), v: () => headContext(p, dC, true) };
  },
};
