import * as tf from '@tensorflow/tfjs';
import type { TappedModel } from '@kd/core';
import { regionCrops } from './region-crops.js';

/** Out of training, crops are embedded in passes of at most this many (bounds the activations' memory). */
export const MAX_CROPS_PER_PASS = 2048;

/** An input normalisation (x − mean) / std, e.g. Fashion-MNIST's mean 0.286, std 0.353. */
export interface CropNormalization {
  readonly mean: number;
  readonly std: number;
}

/** `x` normalised by `n` ((x − mean) / std), or `x` itself without one. */
export function normalizeCrops<T extends tf.Tensor>(x: T, n: CropNormalization | undefined): T {
  return n ? (tf.div(tf.sub(x, n.mean), n.std) as T) : x;
}

export interface CropEmbeddingOptions {
  /** The image model's input [height, width]: every crop is resized to it. */
  readonly cropSize: readonly [number, number];
  /** Context enlargement factors; the model's outputs are averaged over them (ViLD: 1× and 1.5×). */
  readonly context: readonly number[];
  /** RoIAlign samples per crop pixel and axis. */
  readonly sampling: number;
  /**
   * The image model's input normalisation: each crop becomes (crop − mean) / std before the model
   * (the normalisation of the data it was trained on; absent: crops as the batch's pixels).
   */
  readonly normalization?: CropNormalization;
  /** The image model's taps to return, averaged over the factors (e.g. `embedding`, `logits`). */
  readonly taps: readonly string[];
  readonly training: boolean;
}

/**
 * An image model's outputs on region crops (ViLD's CLIP image tower on proposals): for each box of
 * `boxes` [B, R, 4] (pixels), enlarged about its centre by each context factor, clipped to the image,
 * cropped from `x` [B, H, W, C] and resized to `cropSize` (`regionCrops`), normalised as the model's
 * training data was (`normalization`), the model's `taps` are
 * averaged over the factors: each [B, R, …]. Out of training, images are cropped and embedded in
 * chunks of at most `MAX_CROPS_PER_PASS` crops, each chunk's intermediates freed before the next (a
 * whole evaluation batch of 500 images × 30 regions × 2 factors would otherwise hold gigabytes of
 * activations, beyond the wasm heap); in training (batch-norm statistics of the whole batch) the
 * batch is one pass. Used by `crop-teacher` and `crop-classifier-detector`.
 */
export function embedRegionCrops(
  model: TappedModel,
  x: tf.Tensor4D,
  boxes: tf.Tensor3D,
  options: CropEmbeddingOptions,
): Record<string, tf.Tensor> {
  const [b] = x.shape;
  const r = boxes.shape[1];
  if (!options.context.length) throw new Error('embedRegionCrops: at least one context factor');
  const perPass = options.training ? b : Math.max(1, Math.floor(MAX_CROPS_PER_PASS / (r * options.context.length)));
  const parts: Record<string, tf.Tensor[]> = Object.fromEntries(options.taps.map((t) => [t, []]));
  for (let start = 0; start < b; start += perPass) {
    const n = Math.min(perPass, b - start);
    const chunk = tf.tidy(() => {
      const xs = n === b ? x : tf.slice(x, [start, 0, 0, 0], [n, -1, -1, -1]);
      const bs = n === b ? boxes : tf.slice(boxes, [start, 0, 0], [n, -1, -1]);
      return chunkOutputs(model, xs as tf.Tensor4D, bs as tf.Tensor3D, options);
    });
    for (const t of options.taps) parts[t]!.push(chunk[t]!);
  }
  return Object.fromEntries(
    options.taps.map((t) => {
      const ts = parts[t]!;
      return [t, ts.length === 1 ? ts[0]! : tf.tidy(() => tf.concat(ts, 0))];
    }),
  );
}

/** The averaged outputs [n, R, …] of n images `x` and their boxes [n, R, 4]. */
function chunkOutputs(
  model: TappedModel,
  x: tf.Tensor4D,
  boxes: tf.Tensor3D,
  options: CropEmbeddingOptions,
): Record<string, tf.Tensor> {
  const [b, r] = boxes.shape;
  const outputs: Record<string, tf.Tensor[]> = Object.fromEntries(options.taps.map((t) => [t, []]));
  for (const factor of options.context) {
    const crops = normalizeCrops(
      regionCrops(x, boxes, { size: options.cropSize, factor, sampling: options.sampling }),
      options.normalization,
    );
    const o = model.forward({ x: crops }, { training: options.training, taps: new Set(options.taps) });
    for (const t of options.taps) {
      const value = o[t];
      if (!value) throw new Error(`embedRegionCrops: the image model '${model.arch}' gave no '${t}' tap`);
      outputs[t]!.push(value);
    }
  }
  const mean = (ts: tf.Tensor[]) => tf.reshape(ts.length === 1 ? ts[0]! : tf.div(tf.addN(ts), ts.length), [b, r, -1]);
  return Object.fromEntries(options.taps.map((t) => [t, mean(outputs[t]!)]));
}
