import * as tf from '@tensorflow/tfjs';
import { batchNormInfer } from '@kd/tfjs-runtime';
import { Module } from '../contract/module.js';
import { batchNormTrain } from '../ops/batch-norm-train.js';

/**
 * Batch normalisation over the last (channel) axis, PyTorch semantics: training normalises with the
 * biased batch variance and updates running stats with the unbiased one, momentum 0.1.
 * Inference uses the running statistics, and so does a frozen batch norm even when its model runs
 * in training mode (a frozen teacher, or the frozen encoder of a student that trains only its heads:
 * `student.freeze`): frozen means no gradient and no update of the running statistics.
 */
export class BatchNorm extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    readonly channels: number,
    private readonly momentum = 0.1,
    private readonly eps = 1e-5,
  ) {
    super();
    this.gamma = this.addParam('gamma', tf.ones([channels]));
    this.beta = this.addParam('beta', tf.zeros([channels]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([channels]));
    this.runningVar = this.addBuffer('running_var', tf.ones([channels]));
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.run(x, training, false);
  }

  /**
   * relu(batch norm of x): the same values and gradients as `tf.relu(this.apply(x, training))`,
   * with the ReLU inside the batch norm's own kernel where the backend has it (one pass fewer over
   * the activation each way). For a model that does not also need the value before the ReLU.
   */
  applyRelu(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.run(x, training, true);
  }

  private run(x: tf.Tensor, training: boolean, relu: boolean): tf.Tensor {
    return tf.tidy(() => {
      if (!training || this.isFrozen) {
        // y = x·scale + shift with per-channel scale = γ/√(var+ε), shift = β − mean·scale (one pass
        // with the ReLU where the backend has the fused kernel; the same bits as tfjs's three)
        const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
        const shift = tf.sub(this.beta, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
        return batchNormInfer(x, scale, shift, relu);
      }
      const { y, mean, variance } = batchNormTrain(
        x,
        this.gamma as tf.Tensor1D,
        this.beta as tf.Tensor1D,
        this.eps,
        relu,
      );
      const n = x.size / this.channels;
      const m = this.momentum;
      // running statistics (unbiased variance, as torch); assign is not recorded on the tape
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      return y;
    });
  }
}
