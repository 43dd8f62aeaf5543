import * as tf from '@tensorflow/tfjs';

/** Encodes token rows [N, T] (int32) with their mask [N, T] into embeddings [N, E] (a frozen text encoder). */
export type TextEncodeFn = (tokens: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor2D;

/**
 * Caption embeddings of a frozen text encoder, computed once per distinct caption and kept as plain
 * numbers (no tensor is held, so the tensor count stays flat and no gradient can reach the encoder).
 * The key is the caption's token ids (the real tokens, mask 1): the same caption of any sample, in
 * any epoch, is encoded once.
 */
export class CaptionEmbeddingCache {
  private readonly rows = new Map<string, Float32Array>();
  /** How many captions were encoded (cache misses) so far. */
  encoded = 0;
  /** How many caption lookups were answered from the cache. */
  hits = 0;

  constructor(private readonly encode: TextEncodeFn) {}

  /** Distinct captions held. */
  get size(): number {
    return this.rows.size;
  }

  /** Embedding dimension (undefined before the first caption). */
  get dim(): number | undefined {
    const first = this.rows.values().next();
    return first.done ? undefined : first.value.length;
  }

  /**
   * Embeddings [B, E] of a batch's captions (`tokens` int32 [B, T], `mask` [B, T]) as a new constant
   * tensor (the caller disposes it; it is outside any gradient path).
   */
  embed(tokens: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
    const [b, t] = tokens.shape as [number, number];
    const ids = tokens.dataSync();
    const m = mask.dataSync();
    const keys: string[] = [];
    const missing: number[] = [];
    const firstOfKey = new Map<string, number>();
    for (let i = 0; i < b; i++) {
      const words: number[] = [];
      for (let j = 0; j < t; j++) if (m[i * t + j]! > 0) words.push(ids[i * t + j]!);
      const key = words.join(',');
      keys.push(key);
      if (this.rows.has(key)) this.hits++;
      else if (!firstOfKey.has(key)) {
        firstOfKey.set(key, i);
        missing.push(i);
      }
    }
    if (missing.length > 0) {
      // read outside the tidy: a tidy walks every element of a typed array it returns
      const out = tf.tidy(() => {
        const rows = tf.tensor1d(missing, 'int32');
        return this.encode(
          tf.gather(tokens, rows) as tf.Tensor2D,
          tf.gather(tf.cast(mask, 'float32'), rows) as tf.Tensor2D,
        );
      });
      const computed = { values: Float32Array.from(out.dataSync()), dim: out.shape[1]! };
      out.dispose();
      missing.forEach((row, k) =>
        this.rows.set(keys[row]!, computed.values.slice(k * computed.dim, (k + 1) * computed.dim)),
      );
      this.encoded += missing.length;
    }
    const dim = this.rows.get(keys[0]!)!.length;
    const values = new Float32Array(b * dim);
    keys.forEach((key, i) => values.set(this.rows.get(key)!, i * dim));
    return tf.tensor2d(values, [b, dim], 'float32');
  }
}
