import * as tf from '@tensorflow/tfjs';

/**
 * WSDDN's per-region class scores (Bilen & Vedaldi 2016, as the WSD-KD code computes them):
 * S^c = softmax over classes of M^c / t_c, S^d = softmax over the image's real regions of M^d / t_d,
 * per-region scores S^c ⊙ S^d [B, R, K]. `classLogits` M^c and `detectionLogits` M^d are [B, R, K],
 * `mask` [B, R] marks real regions (1) against padding (0): padded regions get score 0 and take no
 * share of the softmax over regions. t_c = t_d = 1 is the detector itself; WSD-KD's soft targets use
 * 0.5 for both (its code multiplies the logits by 2).
 */
export function wsddnRegionScores(
  classLogits: tf.Tensor3D,
  detectionLogits: tf.Tensor3D,
  mask: tf.Tensor2D,
  temperatures: { classes: number; regions: number } = { classes: 1, regions: 1 },
): tf.Tensor3D {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), 2); // [B, R, 1]
    const sc = tf.softmax(tf.div(classLogits, temperatures.classes), 2);
    const logits = tf.add(tf.div(detectionLogits, temperatures.regions), tf.mul(tf.sub(m, 1), 1e9));
    const sd = tf.mul(tf.softmax(tf.transpose(logits, [0, 2, 1])).transpose([0, 2, 1]), m);
    return tf.mul(sc, sd) as tf.Tensor3D;
  });
}

/** WSDDN's image-level class scores s [B, K] in (0, 1): the per-region scores (`wsddnRegionScores`) summed over regions. */
export function wsddnImageScores(
  classLogits: tf.Tensor3D,
  detectionLogits: tf.Tensor3D,
  mask: tf.Tensor2D,
  temperatures?: { classes: number; regions: number },
): tf.Tensor2D {
  return tf.tidy(() => tf.sum(wsddnRegionScores(classLogits, detectionLogits, mask, temperatures), 1) as tf.Tensor2D);
}

/** WSDDN's probability clip in its cross-entropy (the official CrossEntropyLoss layer: max(p, 1e-4)). */
export const WSDDN_CLIP = 1e-4;

/**
 * WSDDN's binary cross-entropy on probabilities (the WSD-KD code's CrossEntropyLoss layer): for each
 * image and class, −log(max(s, 1e-4)) when the label is 1, else −log(max(1 − s, 1e-4)); summed over
 * classes and divided by the batch size. Its backward is the layer's, not the derivative of the
 * clipped forward: ∂L/∂s = (−y / max(s, ε) + (1 − y) / max(1 − s, ε)) / B, so a clipped probability
 * still gets a gradient (a straight-through clip). No gradient to the labels.
 */
export function wsddnCrossEntropy(scores: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // a label counts as positive only when it is exactly 1 (the layer's `target == 1`)
    const y = tf.cast(tf.equal(tf.cast(labels, 'float32'), 1), 'float32');
    save([s, y]);
    const b = s.shape[0]!;
    const value = tf.tidy(() => {
      const pos = tf.mul(y, tf.log(tf.maximum(s, WSDDN_CLIP)));
      const neg = tf.mul(tf.sub(1, y), tf.log(tf.maximum(tf.sub(1, s), WSDDN_CLIP)));
      return tf.div(tf.neg(tf.sum(tf.add(pos, neg))), b) as tf.Scalar;
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [x, t] = saved as [tf.Tensor, tf.Tensor];
        return tf.tidy(() => {
          const g = tf.add(
            tf.neg(tf.div(t, tf.maximum(x, WSDDN_CLIP))),
            tf.div(tf.sub(1, t), tf.maximum(tf.sub(1, x), WSDDN_CLIP)),
          );
          return tf.mul(g, tf.div(dy, b));
        });
      },
    };
  });
  return loss(scores) as tf.Scalar;
}
