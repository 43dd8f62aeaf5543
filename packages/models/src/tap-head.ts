import * as tf from '@tensorflow/tfjs';
import { Linear, Module, Rng, type TapSpec } from '@kd/core';
import { linearLastAxis } from './linear-last-axis.js';

/** What a head reads: a tap as it is, or the (subject, object) rows of a per-region tap for each of the batch's `pairs`. */
export type TapHeadInput = 'tap' | 'pairs';

export interface TapHeadConfig {
  /** The tap the head writes (e.g. `logits`, `relationLogits`). */
  readonly name: string;
  /** The tap the head reads (its last axis are the features; e.g. `embedding` [D] or `regionStates` [R, D]). */
  readonly from: string;
  /** The read tap's declared spec (sizes the first layer). */
  readonly fromSpec: TapSpec;
  readonly input: TapHeadInput;
  /** Widths of the hidden layers: none = one Linear; [h] = Linear → activation → Linear. */
  readonly hidden: readonly number[];
  readonly activation: 'relu' | 'gelu';
  readonly outputs: number;
}

/**
 * A trainable head on one tap of an encoder: Linear layers (`fc1`, `fc2`, …; PyTorch default init)
 * over the tap's last axis with an activation between them. With `input: 'pairs'` it reads a per-region
 * tap [B, R, D] and the batch's `pairs` [B, P, 2] (subject, object region indices, zero padded) and
 * scores the concatenation [subject; object] of each pair ([B, P, 2D] → [B, P, outputs]), as the
 * relation head of the VL transformer does.
 */
export class TapHead extends Module {
  readonly layers: readonly Linear[];
  readonly spec: TapSpec;

  constructor(
    readonly config: TapHeadConfig,
    rng: Rng,
  ) {
    super();
    const from = config.fromSpec.shape;
    if (config.input === 'pairs' && from.length !== 2) {
      throw new Error(
        `head '${config.name}' reads pairs of rows of '${config.from}', which is [${from.join(', ')}], not per region [R, D]`,
      );
    }
    const features = from[from.length - 1]! * (config.input === 'pairs' ? 2 : 1);
    const widths = [features, ...config.hidden, config.outputs];
    this.layers = widths.slice(1).map((out, i) => this.addChild(`fc${i + 1}`, new Linear(widths[i]!, out, rng)));
    const shape = config.input === 'pairs' ? [-1, config.outputs] : [...from.slice(0, -1), config.outputs];
    const kind = config.name === 'logits' ? 'logits' : 'other';
    const reads =
      config.input === 'pairs'
        ? `the (subject, object) rows of '${config.from}' for the batch's pairs`
        : `'${config.from}'`;
    this.spec = {
      shape,
      kind,
      description: `head ${config.hidden.length ? `MLP (${config.hidden.join(', ')})` : 'Linear'} on ${reads}`,
    };
  }

  /** The head's output for the tap value `x` ([B, …, D]); `pairs` [B, P, 2] int32 when it reads pairs. */
  apply(x: tf.Tensor, pairs?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.config.input === 'pairs' ? pairRows(x, pairs, this.config.name) : x;
      this.layers.forEach((layer, i) => {
        h = linearLastAxis(layer, h);
        if (i < this.layers.length - 1) h = this.config.activation === 'relu' ? tf.relu(h) : gelu(h);
      });
      return h;
    });
  }
}

/** [B, P, 2D]: for each pair, the subject's and the object's row of `x` [B, R, D]. */
function pairRows(x: tf.Tensor, pairs: tf.Tensor | undefined, head: string): tf.Tensor {
  if (!pairs) throw new Error(`head '${head}' reads pairs, and the batch has no 'pairs'`);
  const [b, r, d] = x.shape as [number, number, number];
  const p = pairs.shape[1]!;
  const offsets = tf.tensor2d(
    Int32Array.from({ length: b }, (_, i) => i * r),
    [b, 1],
    'int32',
  );
  const flat = tf.reshape(x, [b * r, d]);
  const pick = (k: number) =>
    tf.gather(flat, tf.add(tf.reshape(tf.slice(pairs, [0, 0, k], [b, p, 1]), [b, p]), offsets));
  return tf.concat([pick(0), pick(1)], 2);
}

/** GELU, exact form x·Φ(x) (as the transformer layers here). */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}
