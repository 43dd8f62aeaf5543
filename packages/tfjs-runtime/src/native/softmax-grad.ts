import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

/**
 * The gradient of Softmax over the last axis as one kernel: dy·y − (Σ dy·y)·y, row by row (tfjs
 * composes Multiply, Sum, a broadcast Multiply and Sub: four passes over [B, heads, N, N] in an
 * attention layer). The same operations rounded the same way, so the same bits as the composition
 * on kd's kernels. `softmaxGradient` below uses it where registered.
 */
export const SOFTMAX_GRAD_KERNEL = 'KdSoftmaxGrad';

export function softmaxGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: SOFTMAX_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { y, dy } = inputs as { y: tf.TensorInfo; dy: tf.TensorInfo };
      const k = nativeKernelsFor(backend);
      if (!k || dy.dtype !== 'float32' || y.dtype !== 'float32') {
        throw new Error(`${SOFTMAX_GRAD_KERNEL} needs float32 tensors on the tfjs wasm backend`);
      }
      const out = k.output([...y.shape]);
      const cols = y.shape.at(-1) ?? 1;
      const rows = cols === 0 ? 0 : y.shape.reduce((a, b) => a * b, 1) / cols;
      k.softmax_grad(k.offsetOf(y), k.offsetOf(dy), out.offset, 0, rows, cols);
      return out.info;
    },
  };
}

/**
 * tfjs's gradient of Softmax (sub(dy·y, sum(dy·y, dim, keepDims)·y)), with the one kernel where
 * the active backend has it and the very same composition elsewhere. Registered over tfjs's own by
 * `registerComposedKernels` (gradients are global, not per backend).
 */
export const softmaxGradient: tf.GradConfig = {
  kernelName: tf.Softmax,
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [y] = saved as [tf.Tensor];
    const g = dy as tf.Tensor;
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    const lastAxis = dim === -1 || dim === y.rank - 1;
    return {
      logits: () => {
        if (
          lastAxis &&
          g.dtype === 'float32' &&
          y.dtype === 'float32' &&
          tf.getKernel(SOFTMAX_GRAD_KERNEL, tf.getBackend())
        ) {
          return tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { y, dy: g }) as tf.Tensor;
        }
        const dyTimesY = tf.mul(g, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    };
  },
};
