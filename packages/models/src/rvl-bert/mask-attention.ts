import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, type Rng } from '@kd/core';

export interface MaskAttentionConfig {
  /** Channels of the RoI maps it reads (the encoder's backbone). */
  readonly inChannels: number;
  /** d: the encoder's width (the role word embeddings are d wide). */
  readonly width: number;
  /** Roles with a mask: 2 (subject, object: VRD) or 3 (subject, predicate, object: SpatialSense). */
  readonly roles: number;
  /**
   * Min–max normalisation: M = (S − min S) / max(max S − min S, ε). The official code has no ε (a
   * constant map gives 0/0 = NaN); 0 reproduces that.
   */
  readonly epsilon: number;
}

/**
 * RVL-BERT's mask attention module (official code: `ENHANCED_IMG_FEATURE` in
 * `visual_linguistic_bert.py`). From the whole image's RoI map F (k × k × C, as the pair's first
 * RoI), one attention mask per role r (subject, [predicate,] object) and the role's feature:
 *
 *   F   = BN(Conv1×1_{C→d}(map))                      (`downsample`, `norm`)
 *   S_r = Conv1×1_{d→1}(ReLU(Conv_r(F + e_r)))        (`role{r}`, the shared `final`)
 *   M_r = (S_r − min S_r) / max(max S_r − min S_r, ε)  over the k × k positions
 *   f_r = mean over the k × k positions of F ⊙ M_r     (not divided by Σ M_r, as the code)
 *
 * e_r is the sum of the word embeddings of the role's words (tiled over the map). The batch norm
 * runs on batch statistics in training over **every RoI map given** (the code normalises the maps of
 * all four RoIs of every pair, though only the whole image's is used afterwards). 1×1 convolutions
 * with PyTorch's default init. The final convolution's bias cancels in M_r: it gets no gradient.
 */
export class MaskAttention extends Module {
  readonly downsample: Conv2d;
  readonly norm: BatchNorm;
  readonly roleConvs: readonly Conv2d[];
  readonly final: Conv2d;

  constructor(
    readonly config: MaskAttentionConfig,
    rng: Rng,
  ) {
    super();
    const { inChannels, width, roles } = config;
    const conv = (from: number, to: number) =>
      new Conv2d(from, to, { kernel: 1, padding: 'valid', bias: true, init: 'torch-default' }, rng);
    this.downsample = this.addChild('downsample', conv(inChannels, width));
    this.norm = this.addChild('norm', new BatchNorm(width));
    this.roleConvs = Array.from({ length: roles }, (_, r) => this.addChild(`role${r}`, conv(width, width)));
    this.final = this.addChild('final', conv(width, 1));
  }

  /**
   * maps [P, R, k, k, C] (each pair's RoI maps, the whole image first) → F [P, k, k, d] of the whole
   * image, the batch norm's statistics taken over all P·R maps in training.
   */
  imageFeatures(maps: tf.Tensor5D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const [p, r, k, k2, c] = maps.shape;
      const all = this.norm.apply(this.downsample.apply(tf.reshape(maps, [p * r, k, k2, c]) as tf.Tensor4D), training);
      const d = this.config.width;
      return tf.reshape(tf.slice(tf.reshape(all, [p, r, k, k2, d]), [0, 0, 0, 0, 0], [p, 1, k, k2, d]), [
        p,
        k,
        k2,
        d,
      ]) as tf.Tensor4D;
    });
  }

  /** F [P, k, k, d], role embeddings [P, roles, d] → masks [P, roles, k, k] in [0, 1]. */
  masks(features: tf.Tensor4D, roleEmbeddings: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      const [p, k, k2, d] = features.shape;
      const perRole = this.roleConvs.map((conv, r) => {
        const e = tf.reshape(tf.slice(roleEmbeddings, [0, r, 0], [p, 1, d]), [p, 1, 1, d]);
        const s = tf.reshape(this.final.apply(tf.relu(conv.apply(tf.add(features, e) as tf.Tensor4D))), [p, k * k2]);
        const min = tf.min(s, 1, true);
        const range = tf.sub(tf.max(s, 1, true), min);
        const eps = this.config.epsilon;
        return tf.reshape(tf.div(tf.sub(s, min), eps > 0 ? tf.maximum(range, eps) : range), [p, 1, k, k2]);
      });
      return tf.concat(perRole, 1) as tf.Tensor4D;
    });
  }

  /** The roles' features [P, roles, d]: the spatial mean of F ⊙ M_r. */
  pool(features: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const [p, k, k2, d] = features.shape;
      const roles = masks.shape[1];
      // [P, roles, k·k] × [P, k·k, d] → [P, roles, d], / (k·k)
      const weighted = tf.matMul(tf.reshape(masks, [p, roles, k * k2]), tf.reshape(features, [p, k * k2, d]));
      return tf.div(weighted, k * k2) as tf.Tensor3D;
    });
  }
}
