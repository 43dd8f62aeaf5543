import * as tf from '@tensorflow/tfjs';
import { nativeKernelsForFloat } from './module.js';
import { RELU_GRAD_KERNEL } from './elementwise.js';

/**
 * Inference batch norm as one pass: y = x·scale + shift per channel (the last axis), then relu when
 * asked, where tfjs makes three (Multiply, Add, Relu). The product is rounded before the sum, as
 * the composition rounds it, so the values are the composition's to the bit; so are the gradients
 * (`batchNormInferGradient`). scale and shift are the running statistics folded with γ and β by the
 * caller (@kd/core's BatchNorm): a frozen teacher's batch norms run here in every distillation step.
 *   KdBatchNormInfer  inputs x, scale [C], shift [C]; attr relu (optional) → y
 */
export const BATCH_NORM_INFER_KERNEL = 'KdBatchNormInfer';

/** relu(x·scale + shift) (or without relu): the fused kernel where the backend has it, else tfjs's ops. */
export function batchNormInfer(x: tf.Tensor, scale: tf.Tensor1D, shift: tf.Tensor1D, relu = false): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(BATCH_NORM_INFER_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(BATCH_NORM_INFER_KERNEL, { x, scale, shift }, { relu }) as tf.Tensor;
  }
  const y = tf.add(tf.mul(x, scale), shift);
  return relu ? tf.relu(y) : y;
}

export function batchNormInferConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_INFER_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const k = nativeKernelsForFloat(backend, BATCH_NORM_INFER_KERNEL, inputs);
      const { x, scale, shift } = inputs as Record<'x' | 'scale' | 'shift', tf.TensorInfo>;
      const c = x.shape[x.shape.length - 1]!;
      if (scale.shape.length !== 1 || scale.shape[0] !== c || shift.shape.length !== 1 || shift.shape[0] !== c) {
        throw new Error(`${BATCH_NORM_INFER_KERNEL}: scale and shift must be [${c}], the channels of x`);
      }
      const m = c > 0 ? x.shape.reduce((a, b) => a * b, 1) / c : 0;
      const y = k.output([...x.shape]);
      const relu = (attrs as { relu?: boolean }).relu ? 1 : 0;
      k.bn_affine_rows(k.offsetOf(x), k.offsetOf(scale), k.offsetOf(shift), y.offset, 0, m, c, relu);
      return y.info;
    },
  };
}

/**
 * The composition's gradients: through the ReLU (masked where y is 0, which is where x·scale +
 * shift ≤ 0), then Add's and Multiply's: dx = dy·scale, dscale = Σ dy·x, dshift = Σ dy over every
 * axis but the last. Each input's gradient is computed only if asked for (a frozen batch norm's scale
 * and shift are not).
 */
export const batchNormInferGradient: tf.GradConfig = {
  kernelName: BATCH_NORM_INFER_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, y] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor];
    const g = dy as tf.Tensor;
    const masked = (attrs as unknown as { relu?: boolean }).relu
      ? tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())
        ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: g, x: y }) as tf.Tensor)
        : tf.mul(g, tf.step(y))
      : g;
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    return {
      x: () => tf.mul(masked, scale),
      scale: () => tf.sum(tf.mul(masked, x), axes),
      shift: () => tf.sum(masked, axes),
    };
  },
};
