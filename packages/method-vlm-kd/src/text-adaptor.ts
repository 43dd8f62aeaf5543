import * as tf from '@tensorflow/tfjs';
import { Linear, Module, type Rng } from '@kd/core';

/**
 * The trainable text adaptor of VLM-KD: a 2-layer MLP (Linear → ReLU → Linear) from the frozen text
 * encoder's embedding to the shared space. An auxiliary module: it trains with the student and is
 * discarded afterwards (it is not part of the saved student).
 */
export class TextAdaptor extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(inDim: number, hidden: number, outDim: number, rng: Rng) {
    super();
    this.fc1 = this.addChild('fc1', new Linear(inDim, hidden, rng));
    this.fc2 = this.addChild('fc2', new Linear(hidden, outDim, rng));
  }

  apply(text: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.fc2.apply(tf.relu(this.fc1.apply(text))) as tf.Tensor2D);
  }
}

/** The image side's projection of the student's `embedding` tap: a Linear layer, or the identity. */
export class ImageProjection extends Module {
  readonly linear?: Linear;

  constructor(kind: 'linear' | 'identity', inDim: number, outDim: number, rng: Rng) {
    super();
    if (kind === 'linear') this.linear = this.addChild('linear', new Linear(inDim, outDim, rng));
  }

  apply(embedding: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => (this.linear ? this.linear.apply(embedding) : tf.clone(embedding)) as tf.Tensor2D);
  }
}

/** Row-wise L2 normalisation (torch F.normalize, eps 1e-12). */
export function l2Rows(x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D);
}
