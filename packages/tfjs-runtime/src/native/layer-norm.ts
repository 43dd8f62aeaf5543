import * as tf from '@tensorflow/tfjs';
import { nativeKernelsForFloat } from './module.js';

/**
 * Names of the fused layer-norm kernels (normalisation over the last axis, PyTorch nn.LayerNorm).
 * @kd/core's `layerNorm` uses them when the active backend has them (the wasm backend, via
 * `registerComposedKernels`) and composes tfjs ops otherwise.
 *   LayerNorm      inputs x, gamma, beta; attr epsilon → [y, mean, rstd] (mean and rstd: one per row)
 *   LayerNormGrad  inputs dy, x, mean, rstd, gamma → [dx, dgamma, dbeta]
 */
export const LAYER_NORM_KERNEL = 'KdLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'KdLayerNormGrad';

/** rows R and features C of x viewed as [R, C] */
function rowsAndFeatures(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1]!;
  return [x.shape.reduce((a, b) => a * b, 1) / c, c];
}

export function layerNormConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: LAYER_NORM_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const k = nativeKernelsForFloat(backend, LAYER_NORM_KERNEL, inputs);
      const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
      const [r, c] = rowsAndFeatures(x);
      const y = k.output([...x.shape]);
      const mean = k.output([r]);
      const rstd = k.output([r]);
      k.ln_forward(
        k.offsetOf(x),
        k.offsetOf(gamma),
        k.offsetOf(beta),
        y.offset,
        mean.offset,
        rstd.offset,
        r,
        c,
        (attrs as { epsilon: number }).epsilon,
      );
      return [y.info, mean.info, rstd.info];
    },
  };
}

export function layerNormGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: LAYER_NORM_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const k = nativeKernelsForFloat(backend, LAYER_NORM_GRAD_KERNEL, inputs);
      const { dy, x, mean, rstd, gamma } = inputs as Record<'dy' | 'x' | 'mean' | 'rstd' | 'gamma', tf.TensorInfo>;
      const [r, c] = rowsAndFeatures(x);
      const dx = k.output([...x.shape]);
      const dgamma = k.output([c]);
      const dbeta = k.output([c]);
      k.ln_backward(
        k.offsetOf(dy),
        k.offsetOf(x),
        k.offsetOf(mean),
        k.offsetOf(rstd),
        k.offsetOf(gamma),
        dx.offset,
        dgamma.offset,
        dbeta.offset,
        r,
        c,
      );
      return [dx.info, dgamma.info, dbeta.info];
    },
  };
}
