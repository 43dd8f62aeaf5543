import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@kd/core';
import { architectures } from '@kd/models';
import { createOptimizer, OptimizerConfigSchema } from '@kd/trainer';

// The benchmark workloads shared by train-step.mjs, profile-step.mjs and memory.mjs.
export const WORKLOADS = {
  resnet20: { arch: 'resnet20', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  resnet8: { arch: 'resnet8', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  // the quickstart student (conv–BN–ReLU ×3 with max-pools), width 16
  cnn: { arch: 'cnn', options: { width: 16 }, batch: 128, shape: [28, 28, 1] },
  // 4 layers, d 128, 4 heads, FFN 512 (the architecture's defaults), 48 tokens of 32 features
  transformer: { arch: 'transformer', options: {}, batch: 64, shape: [48, 32] },
};

/**
 * One SGD training step of workload `w` (batch `batch`, default the workload's) on the active
 * backend: a fixed random batch, cross-entropy, SGD with momentum 0.9 and weight decay 5e-4. The
 * returned function runs a step and waits for it to finish.
 */
export function trainingStep(w, batch = w.batch) {
  const model = architectures
    .find((a) => a.id === w.arch)
    .build({ inputShape: w.shape, numClasses: 10, seed: 0, options: w.options });
  const vars = model.namedParameters();
  const list = [...vars.values()];
  const names = new Map([...vars].map(([k, v]) => [v.name, k]));
  const opt = createOptimizer(OptimizerConfigSchema.parse({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }));
  const x = tf.randomNormal([batch, ...w.shape], 0, 1, 'float32', 1);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const taps = new Set(['logits']);
  return () => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => crossEntropy(model.forward({ x, y }, { training: true, taps }).logits, y),
        list,
      );
      opt.step(vars, Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k), g])), 0.1);
    });
    list[0].dataSync();
  };
}
