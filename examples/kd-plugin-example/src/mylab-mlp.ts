import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  Rng,
  TappedModel,
  z,
  type Batch,
  type ForwardOptions,
  type ModelArchitecture,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { parseOptions } from '@kd/models';

/**
 * A model written by hand against kd's contract: flatten → Linear → ReLU (tap `hidden`) → Linear
 * (tap `logits`). Its variables are its Linear children's (`fc1.weight`, `fc1.bias`, …), initialised
 * from `seed`.
 */
export class MylabMlp extends TappedModel {
  readonly arch = 'mylab-mlp';
  private readonly inputSize: number;
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  constructor(inputShape: readonly number[], numClasses: number, hidden: number, seed: number) {
    super();
    const rng = new Rng(seed);
    this.inputSize = inputShape.reduce((a, b) => a * b, 1);
    this.fc1 = this.addChild('fc1', new Linear(this.inputSize, hidden, rng));
    this.fc2 = this.addChild('fc2', new Linear(hidden, numClasses, rng));
  }

  /** The taps, with shapes without the batch dimension: methods and connectors are sized from these. */
  tapSpecs(): TapSpecs {
    return {
      hidden: { shape: [this.fc1.outFeatures], kind: 'embedding', description: 'ReLU(fc1(x))' },
      logits: { shape: [this.fc2.outFeatures], kind: 'logits' },
    };
  }

  /** One pass; returns every tap (kd asks for some via `options.taps`, more is fine). No batch norm or dropout, so `training` changes nothing. */
  forward(batch: Batch, _options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const x = tf.reshape(batch.x, [-1, this.inputSize]);
      const hidden = tf.relu(this.fc1.apply(x));
      return { hidden, logits: this.fc2.apply(hidden) };
    });
  }
}

/** `student.arch: mylab-mlp`: the hand-written model as a registered architecture. */
export const mylabMlp: ModelArchitecture = {
  id: 'mylab-mlp',
  description:
    'MyLab two-layer perceptron (hand-written TappedModel): flatten, Linear, ReLU, Linear. Options: hidden (default 32).',
  build(input) {
    const { hidden } = parseOptions('mylab-mlp', input.options, { hidden: z.number().int().positive().default(32) });
    return new MylabMlp(input.inputShape, input.numClasses, hidden, input.seed);
  },
};
