import * as tf from '@tensorflow/tfjs';
import {
  sequentialBatches,
  TappedModel,
  UserError,
  type Batch,
  type DataSplit,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';

/**
 * A frozen teacher replaced by its precomputed outputs: the requested taps of every training sample,
 * computed once (inference mode) and gathered by `batch.index` at each step, so distillation runs no
 * teacher forward pass. Valid only without random augmentation (the cached outputs belong to the
 * un-augmented samples), which `buildRun` enforces.
 */
export class CachedOutputs extends TappedModel {
  readonly arch: string;

  private constructor(
    private readonly inner: TappedModel,
    private readonly cache: Readonly<Record<string, tf.Tensor>>,
  ) {
    super();
    this.arch = `${inner.arch} (cached outputs)`;
  }

  /** Runs `model` over the whole split in batches and keeps the requested taps. */
  static precompute(model: TappedModel, split: DataSplit, taps: ReadonlySet<string>, batchSize = 500): CachedOutputs {
    const parts: Record<string, tf.Tensor[]> = Object.fromEntries([...taps].map((t) => [t, []]));
    for (const idx of sequentialBatches(split.size, batchSize)) {
      const out = tf.tidy(() => {
        const values = model.forward(split.batch(idx), { training: false, taps });
        return [...taps].map((t) => {
          const v = values[t];
          if (!v) throw new UserError(`teacher '${model.arch}' returned no tap '${t}' to cache`);
          return v;
        });
      });
      [...taps].forEach((t, i) => parts[t]!.push(out[i]!));
    }
    const cache = Object.fromEntries(
      Object.entries(parts).map(([t, list]) => {
        const all = tf.concat(list, 0);
        tf.dispose(list);
        return [t, all];
      }),
    );
    return new CachedOutputs(model, cache);
  }

  tapSpecs(): TapSpecs {
    return this.inner.tapSpecs();
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    if (!batch.index) throw new UserError('cached teacher outputs need batches with sample indices (Batch.index)');
    const wanted = options.taps ?? new Set(Object.keys(this.cache));
    const out: TapValues = {};
    for (const t of wanted) {
      const all = this.cache[t];
      if (!all) throw new UserError(`tap '${t}' of the teacher was not cached`);
      out[t] = tf.gather(all, batch.index);
    }
    return out;
  }

  override dispose(): void {
    tf.dispose(Object.values(this.cache));
    super.dispose();
  }
}
