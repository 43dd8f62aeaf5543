import * as tf from '@tensorflow/tfjs';

/** Rows of `x` divided by their L2 norm (at least 1e-12, as F.normalize / tf.math.l2_normalize). */
export function l2NormalizeRows(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12)));
}

/**
 * ViLD-image's loss: the mean over valid proposals of the L1 distance between the student's region
 * embedding e_r and the teacher's embedding v_r,
 *
 *   L_image = (1 / M_valid) Σ_r mask_r Σ_d |e_{r,d} − v̄_{r,d}|,   v̄_r = v_r / ‖v_r‖ (when `normalizeTeacher`),
 *
 * with M_valid the number of valid proposals in the whole batch (0 valid proposals: 0, as the official
 * SUM_BY_NONZERO_WEIGHTS reduction). `student` and `teacher` are [B, M, D], `mask` [B, M] (1 = a real
 * proposal, 0 = padding). The teacher is a target here: the caller detaches it.
 */
export function vildImageLoss(
  student: tf.Tensor,
  mask: tf.Tensor,
  teacher: tf.Tensor,
  options: { readonly normalizeTeacher: boolean },
): tf.Scalar {
  return tf.tidy(() => {
    const target = options.normalizeTeacher ? l2NormalizeRows(teacher) : teacher;
    const perRegion = tf.sum(tf.abs(tf.sub(student, target)), -1);
    const valid = tf.sum(mask);
    return tf.div(tf.sum(tf.mul(perRegion, mask)), tf.maximum(valid, 1)) as tf.Scalar;
  });
}
