import * as tf from '@tensorflow/tfjs';

/**
 * torch.nn.utils.clip_grad_norm_: scales all gradients by min(1, maxNorm / (‖g‖₂ + 1e-6)) where ‖g‖
 * is the global norm over every gradient. Returns the clipped gradients and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: Readonly<Record<string, tf.Tensor>>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const entries = Object.entries(grads);
  if (entries.length === 0) return { grads: {}, norm: 0 };
  const norm = tf.tidy(() => tf.sqrt(tf.addN(entries.map(([, g]) => tf.sum(tf.square(g))))).dataSync()[0]!);
  const scale = maxNorm / (norm + 1e-6);
  if (scale >= 1) return { grads: { ...grads }, norm };
  return { grads: Object.fromEntries(entries.map(([k, g]) => [k, tf.mul(g, scale)])), norm };
}
