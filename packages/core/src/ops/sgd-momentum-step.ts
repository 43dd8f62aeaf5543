import * as tf from '@tensorflow/tfjs';
import { SGD_MOMENTUM_STEP_KERNEL, type SgdMomentumStepAttrs } from '@kd/tfjs-runtime';
import { hasFusedKernels } from './fused-kernels.js';

/**
 * One torch.optim.SGD step with a momentum buffer, for one parameter:
 *   g' = g + wd·w,  b' = μ·b + g',  step = nesterov ? g' + μ·b' : b',  w' = w − lr·step
 * On backends with the fused kernel of @kd/tfjs-runtime (wasm) one kernel call instead of six
 * element-wise ones (and their scalar uploads); elsewhere composed from tfjs ops. Both round the
 * same way (a multiply, then an add, each rounded), so the results are the same bits.
 * Returns new tensors for w and the buffer; the caller assigns them.
 */
export function sgdMomentumStep(
  w: tf.Tensor,
  g: tf.Tensor,
  buf: tf.Tensor,
  attrs: SgdMomentumStepAttrs,
): { w: tf.Tensor; buf: tf.Tensor } {
  if (hasFusedKernels(w, SGD_MOMENTUM_STEP_KERNEL) && g.dtype === 'float32' && buf.dtype === 'float32') {
    const [nw, nb] = tf
      .engine()
      .runKernel(SGD_MOMENTUM_STEP_KERNEL, { w, g, buf }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { w: nw!, buf: nb! };
  }
  return composedSgdMomentumStep(w, g, buf, attrs);
}

/** The same step from tfjs ops (any backend; the reference for the fused kernel). */
export function composedSgdMomentumStep(
  w: tf.Tensor,
  g: tf.Tensor,
  buf: tf.Tensor,
  { lr, momentum, weightDecay, nesterov }: SgdMomentumStepAttrs,
): { w: tf.Tensor; buf: tf.Tensor } {
  return tf.tidy(() => {
    const gd = weightDecay !== 0 ? tf.add(g, tf.mul(w, weightDecay)) : g;
    const b = tf.add(tf.mul(buf, momentum), gd);
    const step = nesterov ? tf.add(gd, tf.mul(b, momentum)) : b;
    return { w: tf.sub(w, tf.mul(step, lr)), buf: b };
  });
}
