import * as tf from '@tensorflow/tfjs';
import { z } from '@kd/core';
import { layersArchitecture } from '@kd/models';

/**
 * A small conv net written with tf.layers, registered through kd's LayersModel adapter: two stages
 * of conv3x3–batch norm–ReLU (widths w, 2w; a 2×2 max-pool between), global average pooling, a dense
 * layer giving the logits. Its named layers are its taps.
 */
export const mylabNet = layersArchitecture({
  id: 'mylab-net',
  description:
    'MyLab small conv net (tf.layers): 2× conv3x3–BN–ReLU (widths w, 2w), global average pool, dense. Options: width (w, default 8).',
  options: { width: z.number().int().positive().default(8) },
  build(input, { width }) {
    const x = tf.input({ shape: [...input.inputShape] });
    let h = tf.layers
      .conv2d({ name: 'conv1', filters: width, kernelSize: 3, padding: 'same', useBias: false })
      .apply(x);
    // momentum 0.9: tfjs's default (0.99) hardly moves the moving statistics in a short run
    h = tf.layers.batchNormalization({ name: 'bn1', momentum: 0.9 }).apply(h);
    h = tf.layers.reLU({ name: 'relu1' }).apply(h);
    h = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(h);
    h = tf.layers
      .conv2d({ name: 'conv2', filters: 2 * width, kernelSize: 3, padding: 'same', useBias: false })
      .apply(h);
    h = tf.layers.batchNormalization({ name: 'bn2', momentum: 0.9 }).apply(h);
    h = tf.layers.reLU({ name: 'relu2' }).apply(h);
    h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h);
    const logits = tf.layers.dense({ name: 'fc', units: input.numClasses }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: logits });
  },
  // tap name → layer; `logits` is the model's output (the dense layer, no softmax)
  taps: { stage1: 'relu1', stage2: 'relu2', embedding: 'gap' },
});
