import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  TappedModel,
  type Batch,
  type ForwardOptions,
  type Rng,
  type TapSpec,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { TapRecorder } from './tap-recorder.js';

/**
 * The part every CNN classifier here shares: a feature extractor (`features`, recording its own
 * taps) followed by global average pooling (`embedding`) and a Linear head named `fc` (`logits`).
 */
export abstract class PooledClassifier extends TappedModel {
  private head?: { fc: Linear; specs: TapSpecs };

  /** Adds the `fc` child and the `embedding` / `logits` tap specs; call last in the constructor. */
  protected addHead(
    specs: Record<string, TapSpec>,
    channels: number,
    numClasses: number,
    rng: Rng,
    embedding: string,
  ): void {
    const fc = this.addChild('fc', new Linear(channels, numClasses, rng));
    specs.embedding = { shape: [channels], kind: 'embedding', description: embedding };
    specs.logits = { shape: [numClasses], kind: 'logits' };
    this.head = { fc, specs };
  }

  /** The feature map fed to the pooling, recording the model's own taps on the way. */
  protected abstract features(x: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D;

  get fc(): Linear {
    return this.head!.fc;
  }

  tapSpecs(): TapSpecs {
    return this.head!.specs;
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const embedding = tf.mean(this.features(batch.x as tf.Tensor4D, options.training, taps), [1, 2]);
      taps.record('embedding', embedding);
      taps.record('logits', this.head!.fc.apply(embedding));
      return taps.values;
    }) as TapValues;
  }
}
