/**
 * Symmetric InfoNCE (the CLIP loss) between two batches of paired embeddings.
 * Reference values: tools/golden/info_nce.py (PyTorch), compared in info-nce.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

export interface InfoNceOptions {
  /**
   * L2-normalise each row of `a` and `b` first (torch F.normalize(x, dim=1), eps 1e-12), so the
   * logits are cosine similarities / τ. Default true; pass false for embeddings already normalised
   * (or to use raw dot products).
   */
  normalize?: boolean;
  /**
   * Positives beyond the diagonal: an [N, N] 0/1 matrix, `targets[i][j] = 1` when a_i and b_j form a
   * positive pair (typically "same class": `labels[i] == labels[j]`, which includes the diagonal).
   * Each direction uses soft targets = that direction's rows normalised to sum 1:
   *   a→b: q = targets / rowSum(targets),   b→a: q' = targetsᵀ / rowSum(targetsᵀ)
   * and the soft cross-entropy −Σ_j q_ij·log softmax(logits)_ij. Every row AND column should hold
   * at least one 1 (e.g. the diagonal); an all-zero row contributes 0 to its direction's mean.
   * Any dtype (cast to float32); it receives no gradient. Without it the targets are the identity,
   * i.e. the classic CE(logits, arange N).
   */
  targets?: tf.Tensor;
}

/** Row-wise L2 normalisation, torch F.normalize(x, p=2, dim=1, eps=1e-12). */
function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}

/** Mean over rows of −Σ_j q_ij · logSoftmax(logits)_ij. */
function softCrossEntropy(logits: tf.Tensor2D, q: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(q, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Row-normalise a non-negative matrix (rows summing to 0 stay 0). */
function rowNormalize(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.maximum(tf.sum(m, 1, true), 1e-12));
}

/**
 * Symmetric InfoNCE / CLIP loss for two [N, D] embedding batches whose i-th rows are a positive pair:
 *
 *   logits = â · b̂ᵀ / τ                                        (â, b̂ row-L2-normalised; [N, N])
 *   loss   = ½ · ( CE(logits, arange N) + CE(logitsᵀ, arange N) )   (each CE a mean over the batch)
 *
 * which is PyTorch's `(F.cross_entropy(l, t) + F.cross_entropy(l.T, t)) / 2`. With
 * `options.targets` the hard diagonal targets become soft multi-positive targets (see
 * {@link InfoNceOptions.targets}).
 *
 * `temperature` τ is a number or a scalar tensor (any shape of size 1). The loss divides by it as
 * given: for a learnable log-temperature `logTau` pass `tf.exp(logTau)` (for CLIP's learnable
 * `logit_scale`, pass `tf.exp(tf.neg(logitScale))`); the gradient then flows into that variable.
 * Clamping τ (CLIP clamps the scale at 100) is also the caller's business.
 *
 * The similarity is `matMul(â, transpose(b̂))` — an explicit transpose, not `transposeB`, which is
 * slow on the wasm backend.
 */
export function infoNce(
  a: tf.Tensor,
  b: tf.Tensor,
  temperature: number | tf.Tensor,
  options: InfoNceOptions = {},
): tf.Scalar {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`infoNce: a and b must both be [N, D] with the same shape, got [${a.shape}] and [${b.shape}]`);
  }
  const n = a.shape[0]!;
  if (typeof temperature !== 'number' && temperature.size !== 1) {
    throw new Error(`infoNce: temperature must be a number or a scalar tensor, got shape [${temperature.shape}]`);
  }
  const { normalize = true, targets } = options;
  if (targets && (targets.rank !== 2 || targets.shape[0] !== n || targets.shape[1] !== n)) {
    throw new Error(`infoNce: targets must be [${n}, ${n}], got [${targets.shape}]`);
  }
  return tf.tidy(() => {
    const an = normalize ? l2Normalize(a as tf.Tensor2D) : (a as tf.Tensor2D);
    const bn = normalize ? l2Normalize(b as tf.Tensor2D) : (b as tf.Tensor2D);
    const tau = typeof temperature === 'number' ? temperature : tf.reshape(temperature, []);
    const logits = tf.div(tf.matMul(an, tf.transpose(bn)), tau) as tf.Tensor2D;
    const logitsT = tf.transpose(logits);
    let qAB: tf.Tensor2D;
    let qBA: tf.Tensor2D;
    if (targets) {
      const t = tf.cast(targets, 'float32') as tf.Tensor2D;
      qAB = rowNormalize(t);
      qBA = rowNormalize(tf.transpose(t));
    } else {
      qAB = qBA = tf.eye(n);
    }
    return tf.mul(tf.add(softCrossEntropy(logits, qAB), softCrossEntropy(logitsT, qBA)), 0.5) as tf.Scalar;
  });
}
