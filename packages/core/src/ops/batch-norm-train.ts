import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL, RELU_GRAD_KERNEL } from '@kd/tfjs-runtime';
import { hasFusedKernels } from './fused-kernels.js';

/**
 * Training-mode batch normalisation over every axis but the last, as ONE gradient node with the
 * closed-form backward pass (instead of the ~20 small kernels autodiff of moments/sub/rsqrt/mul
 * records):
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β            (σ² biased, over the M reduced entries)
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ·r·(dy − ∂β/M − x̂·∂γ/M)
 * Returns y and the batch mean / biased variance (for the running statistics; not differentiated).
 * With `relu`, y = relu(γ·x̂ + β): the ReLU that follows most batch norms (the same values and
 * gradients as `tf.relu` after it).
 * On backends with the fused kernels of @kd/tfjs-runtime (wasm), forward and backward are one
 * kernel each (the ReLU inside the forward kernel, its gradient one kernel before the backward);
 * elsewhere they are composed from tfjs ops.
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  relu = false,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const m = x.size / x.shape[x.rank - 1]!;
  let mean!: tf.Tensor1D;
  let variance!: tf.Tensor1D;
  const kernels = relu
    ? [BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_TRAIN_GRAD_KERNEL, RELU_GRAD_KERNEL]
    : [BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_TRAIN_GRAD_KERNEL];
  if (hasFusedKernels(x, ...kernels)) {
    const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, mu, v] = tf
        .engine()
        .runKernel(BATCH_NORM_TRAIN_KERNEL, { x: xi, gamma: g, beta: b }, { epsilon: eps, relu }) as tf.Tensor[];
      mean = tf.keep(mu as tf.Tensor1D);
      variance = tf.keep(v as tf.Tensor1D);
      save(relu ? [xi, mu!, v!, g, y!] : [xi, mu!, v!, g]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, smu, sv, sg, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
          // relu: y > 0 exactly where γ·x̂ + β > 0, so y masks the gradient as the ReLU's input would
          const dyBn = sy ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x: sy }) as tf.Tensor) : dy;
          return tf
            .engine()
            .runKernel(
              BATCH_NORM_TRAIN_GRAD_KERNEL,
              { dy: dyBn, x: sx, mean: smu, variance: sv, gamma: sg },
              { epsilon: eps },
            ) as tf.Tensor[];
        },
      };
    });
    const y = fused(x, gamma, beta);
    const out = { y, mean: mean.clone(), variance: variance.clone() };
    mean.dispose();
    variance.dispose();
    return out;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // kept: they must outlive customGrad's forward scope (handed to the caller's scope below)
    mean = tf.keep(tf.mean(xi, axes) as tf.Tensor1D);
    const xc = tf.sub(xi, mean);
    variance = tf.keep(tf.mean(tf.square(xc), axes) as tf.Tensor1D);
    const r = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, r);
    save([xhat, r, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dbeta = tf.sum(dy, axes);
        const dgamma = tf.sum(tf.mul(dy, sx), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dbeta, m)), tf.mul(sx, tf.div(dgamma, m)));
        return [tf.mul(centred, tf.mul(sg, sr)), dgamma, dbeta];
      },
    };
  });
  const y = relu ? tf.relu(op(x, gamma, beta)) : op(x, gamma, beta);
  const out = { y, mean: mean.clone(), variance: variance.clone() };
  mean.dispose();
  variance.dispose();
  return out;
}
