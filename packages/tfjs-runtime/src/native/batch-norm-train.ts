import * as tf from '@tensorflow/tfjs';
import { nativeKernelsForFloat } from './module.js';

/**
 * Names of the fused training batch-norm kernels. @kd/core's `batchNormTrain` uses them when the
 * active backend has them (the wasm backend, via `registerComposedKernels`) and composes tfjs ops
 * otherwise. Both normalise over every axis but the last.
 *   BatchNormTrain      inputs x, gamma, beta; attrs epsilon, relu (optional: y = relu(batch norm),
 *                       in the same pass) → [y, mean, biased variance]
 *   BatchNormTrainGrad  inputs dy, x, mean, variance, gamma; attr epsilon → [dx, dgamma, dbeta]
 */
export const BATCH_NORM_TRAIN_KERNEL = 'KdBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD_KERNEL = 'KdBatchNormTrainGrad';

export function batchNormTrainConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAIN_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const k = nativeKernelsForFloat(backend, BATCH_NORM_TRAIN_KERNEL, inputs);
      const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
      const c = x.shape[x.shape.length - 1]!;
      const m = x.shape.reduce((a, b) => a * b, 1) / c;
      const y = k.output([...x.shape]);
      const mean = k.output([c]);
      const variance = k.output([c]);
      const scratch = k.malloc(c * 24);
      try {
        k.bn_train_forward(
          k.offsetOf(x),
          k.offsetOf(gamma),
          k.offsetOf(beta),
          y.offset,
          mean.offset,
          variance.offset,
          m,
          c,
          (attrs as { epsilon: number }).epsilon,
          (attrs as { relu?: boolean }).relu ? 1 : 0,
          scratch,
        );
      } finally {
        k.free(scratch);
      }
      return [y.info, mean.info, variance.info];
    },
  };
}

export function batchNormTrainGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAIN_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const k = nativeKernelsForFloat(backend, BATCH_NORM_TRAIN_GRAD_KERNEL, inputs);
      const { dy, x, mean, variance, gamma } = inputs as Record<
        'dy' | 'x' | 'mean' | 'variance' | 'gamma',
        tf.TensorInfo
      >;
      const c = x.shape[x.shape.length - 1]!;
      const m = x.shape.reduce((a, b) => a * b, 1) / c;
      const dx = k.output([...x.shape]);
      const dgamma = k.output([c]);
      const dbeta = k.output([c]);
      const scratch = k.malloc(c * 28);
      try {
        k.bn_train_backward(
          k.offsetOf(dy),
          k.offsetOf(x),
          k.offsetOf(mean),
          k.offsetOf(variance),
          k.offsetOf(gamma),
          dx.offset,
          dgamma.offset,
          dbeta.offset,
          m,
          c,
          (attrs as { epsilon: number }).epsilon,
          scratch,
        );
      } finally {
        k.free(scratch);
      }
      return [dx.info, dgamma.info, dbeta.info];
    },
  };
}
