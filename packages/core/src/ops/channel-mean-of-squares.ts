import * as tf from '@tensorflow/tfjs';

/**
 * The mean over the last axis of the squared values, keeping that axis: x [..., C] → [..., 1] —
 * the spatial attention map of an NHWC feature map before it is flattened (AT's `x.pow(2).mean(1)`,
 * FFSD's `F.pow(2).mean(1, keepdim=True)` on NCHW maps).
 *
 * The forward is `mean(square(x))`; the gradient is one product, dx = x · (2·dy/C) with the
 * per-position factor broadcast over the channels, instead of the composition's three passes over
 * the whole map (dy/C tiled over the channels, x·2, their product). The same bits as the
 * composition: it computes round(round(dy/C)·(2x)) and this round(x·(2·round(dy/C))), and doubling
 * is exact, so both round the same real number.
 */
export function channelMeanOfSquares(x: tf.Tensor): tf.Tensor {
  return meanOfSquares(x);
}

const meanOfSquares = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  const channels = x.shape[x.rank - 1]!;
  return {
    value: tf.mean(tf.square(x), x.rank - 1, true),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.mul(saved[0]!, tf.mul(tf.div(dy as tf.Tensor, channels), 2)),
  };
}) as (x: tf.Tensor) => tf.Tensor;
