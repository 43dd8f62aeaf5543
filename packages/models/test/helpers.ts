import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * A hand-written tfjs graph model (what tensorflowjs_converter emits): x [-1,4] → MatMul w → h →
 * Relu → logits, the 4×3 weights `w` in `w.bin`, or split over `shards` files `group1-shardKofN.bin`.
 */
export function writeGraphModel(dir: string, w: Float32Array, shards = 1): void {
  const dim = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
  const topology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 4) } } },
      { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(4, 3) } } } },
      { name: 'h', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'logits', op: 'Relu', input: ['h'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    library: {},
    versions: {},
  };
  const bytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  const per = Math.ceil(bytes.byteLength / shards);
  const paths = shards === 1 ? ['w.bin'] : Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  paths.forEach((p, i) => writeFileSync(join(dir, p), bytes.subarray(i * per, (i + 1) * per)));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 'graph-model', generatedBy: 'kd test', convertedBy: null, modelTopology: topology, weightsManifest: [{ paths, weights: [{ name: 'w', shape: [4, 3], dtype: 'float32' }] }] }),
  );
}
