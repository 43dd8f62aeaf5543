import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Linear, Module, type Rng } from '@kd/core';
import { noDropout, type Dropout } from './dropout.js';

/**
 * RVL-BERT's two variants of the spatial module (official code, `simple_spatial_model.py`):
 * `vrd` — the batch-norm layers are defined there but unused, dropout 0.5 before the last layer;
 * `spatialsense` — batch norm after each of the three hidden layers, no dropout.
 */
export type SpatialVariant = 'vrd' | 'spatialsense';

/**
 * RVL-BERT's spatial module C_so: the subject's and the object's boxes, each normalised by the image
 * size as [x1/W, y1/H, x2/W, y2/H], through one layer each (4 → d, ReLU), summed, then d → d (ReLU)
 * and d → d:
 *
 *   vrd:          C = W5 · Dropout₀.₅(ReLU(W4 · (ReLU(W1 s) + ReLU(W2 o))))
 *   spatialsense: C = W5 · ReLU(BN4(W4 · (ReLU(BN1(W1 s)) + ReLU(BN2(W2 o)))))
 *
 * Parameters: `subject`, `object`, `joint`, `out` (Linear, PyTorch's default init) and, for
 * `spatialsense`, `subjectNorm`, `objectNorm`, `jointNorm` (batch statistics in training).
 */
export class SpatialModule extends Module {
  readonly subject: Linear;
  readonly object: Linear;
  readonly joint: Linear;
  readonly out: Linear;
  readonly norms?: { readonly subject: BatchNorm; readonly object: BatchNorm; readonly joint: BatchNorm };

  constructor(
    readonly width: number,
    readonly variant: SpatialVariant,
    rng: Rng,
  ) {
    super();
    this.subject = this.addChild('subject', new Linear(4, width, rng));
    this.object = this.addChild('object', new Linear(4, width, rng));
    this.joint = this.addChild('joint', new Linear(width, width, rng));
    this.out = this.addChild('out', new Linear(width, width, rng));
    if (variant === 'spatialsense') {
      this.norms = {
        subject: this.addChild('subjectNorm', new BatchNorm(width)),
        object: this.addChild('objectNorm', new BatchNorm(width)),
        joint: this.addChild('jointNorm', new BatchNorm(width)),
      };
    }
  }

  /** subject, object: [P, 4] normalised boxes → [P, d]. */
  apply(subject: tf.Tensor2D, object: tf.Tensor2D, training: boolean, dropout: Dropout = noDropout): tf.Tensor2D {
    return tf.tidy(() => {
      const norm = (which: 'subject' | 'object' | 'joint', x: tf.Tensor) =>
        this.norms ? this.norms[which].apply(x, training) : x;
      const s = tf.relu(norm('subject', this.subject.apply(subject)));
      const o = tf.relu(norm('object', this.object.apply(object)));
      let f = tf.relu(norm('joint', this.joint.apply(tf.add(s, o))));
      if (this.variant === 'vrd') f = dropout(f, 0.5);
      return this.out.apply(f) as tf.Tensor2D;
    });
  }
}
