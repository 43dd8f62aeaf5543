import * as tf from '@tensorflow/tfjs';

/** ViLD-ensemble's λ when none is given: the official postprocess's cube root (text^(2/3)·image^(1/3) on base classes). */
export const ENSEMBLE_LAMBDA = 2 / 3;

/**
 * ViLD-ensemble's region scores [N, K+1] (the geometric ensemble of the official postprocess) from
 * the text branch's logits `textLogits` [N, K+1] (column 0 background, every class scored) and the
 * image branch's class logits `imageLogits` [N, K] (no background column):
 *
 *   p_txt = softmax over [background, K classes] of `textLogits` (background kept in the softmax,
 *           not renormalised away), p_img = softmax over the K classes of `imageLogits`,
 *   score_k = p_txt_k^λ · p_img_k^(1−λ) for a base class, p_txt_k^(1−λ) · p_img_k^λ for a novel one
 *           (`novelClasses`, 0-based).
 *
 * Column 0 of the result is p_txt's background (detection decoding ignores it), columns 1…K the
 * class scores, so the result reads like a softmax output (`decodeDetections`' input).
 */
export function ensembleScores(
  textLogits: tf.Tensor2D,
  imageLogits: tf.Tensor2D,
  novelClasses: readonly number[],
  lambda: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, columns] = textLogits.shape;
    const k = columns - 1;
    if (imageLogits.shape[0] !== n || imageLogits.shape[1] !== k)
      throw new Error(
        `ensembleScores: image logits [${imageLogits.shape.join(', ')}] for text logits [${textLogits.shape.join(', ')}], expected [${n}, ${k}]`,
      );
    const text = tf.softmax(textLogits);
    const background = tf.slice(text, [0, 0], [n, 1]);
    const textClasses = tf.slice(text, [0, 1], [n, k]);
    const image = tf.softmax(imageLogits);
    const textPower = new Float32Array(k).fill(lambda);
    for (const c of novelClasses) textPower[c] = 1 - lambda;
    const textExponent = tf.tensor1d(textPower);
    const scores = tf.mul(tf.pow(textClasses, textExponent), tf.pow(image, tf.sub(1, textExponent)));
    return tf.concat([background, scores], 1) as tf.Tensor2D;
  });
}
