import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '@kd/tfjs-runtime';
import { hasFusedKernels } from './fused-kernels.js';

/**
 * Layer normalisation over the last axis (PyTorch nn.LayerNorm, biased variance) as ONE gradient
 * node with the closed-form backward pass, instead of the ~30 small kernels autodiff of
 * moments/sub/rsqrt/mul records:
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β           (μ, σ² over the C features of a row)
 *   g = dy·γ,  ∂x = r·(g − mean(g) − x̂·mean(g·x̂)),  ∂γ = Σ_rows dy·x̂,  ∂β = Σ_rows dy
 * On backends with the fused kernels of @kd/tfjs-runtime (wasm) forward and backward are one kernel
 * each; elsewhere they are composed from tfjs ops.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (hasFusedKernels(x, LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL)) {
    const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, mean, rstd] = tf
        .engine()
        .runKernel(LAYER_NORM_KERNEL, { x: xi, gamma: g, beta: b }, { epsilon: eps }) as tf.Tensor[];
      save([xi, mean!, rstd!, g]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sm, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf
            .engine()
            .runKernel(LAYER_NORM_GRAD_KERNEL, { dy, x: sx, mean: sm, rstd: sr, gamma: sg }) as tf.Tensor[];
        },
      };
    });
    return fused(x, gamma, beta);
  }
  const last = x.rank - 1;
  const lead = x.shape.slice(0, -1).map((_, i) => i);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(xi, [last], true);
    const r = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(xi, mean), r);
    save([xhat, r, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const gd = tf.mul(dy, sg);
        const centred = tf.sub(tf.sub(gd, tf.mean(gd, last, true)), tf.mul(sx, tf.mean(tf.mul(gd, sx), last, true)));
        return [tf.mul(centred, sr), tf.sum(tf.mul(dy, sx), lead), tf.sum(dy, lead)];
      },
    };
  });
  return op(x, gamma, beta);
}
