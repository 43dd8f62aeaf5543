import * as tf from '@tensorflow/tfjs';
import type { ModelArchitecture, TappedModel } from '@kd/core';

export function build(
  arch: ModelArchitecture,
  inputShape: readonly number[],
  options: Record<string, unknown> = {},
  seed = 1,
  numClasses = 10,
): TappedModel {
  return arch.build({ inputShape, numClasses, seed, options });
}

/** A deterministic NHWC batch. */
export function inputBatch(batch: number, inputShape: readonly number[], seed = 7): tf.Tensor4D {
  return tf.randomNormal([batch, inputShape[0]!, inputShape[1]!, inputShape[2]!], 0, 1, 'float32', seed);
}

export function valuesOf(model: TappedModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of model.namedVariables()) out.set(k, v.dataSync() as Float32Array);
  return out;
}
