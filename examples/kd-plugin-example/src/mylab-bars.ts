import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  deriveSeed,
  Rng,
  UserError,
  z,
  type Batch,
  type DataSplit,
  type Dataset,
  type DatasetProvider,
  type SamplePreview,
  type SplitName,
} from '@kd/core';

export const BAR_CLASSES = ['horizontal', 'vertical', 'diagonal', 'anti-diagonal'] as const;

export const mylabBarsOptions = z
  .object({
    train: z.number().int().positive().default(512).describe('training images'),
    val: z.number().int().positive().default(128).describe('validation images'),
    test: z.number().int().positive().default(256).describe('test images'),
    size: z.number().int().min(8).max(64).default(16).describe('image height and width in pixels'),
    noise: z.number().min(0).max(1).default(0.15).describe('standard deviation of the Gaussian pixel noise'),
    seed: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('seed of the generated images (independent of the run seed, so every run sees the same data)'),
  })
  .strict();
export type MylabBarsOptions = z.output<typeof mylabBarsOptions>;

/**
 * Draws one image: a bar of the class's orientation (thickness 1–2 px, length from half the side to
 * the whole side, anywhere it fits, brightness 0.6–1) on a dark background, plus Gaussian noise,
 * clipped to [0, 1]. Row-major H×W, one channel.
 */
function drawBar(label: number, size: number, noise: number, rng: Rng, out: Float32Array): void {
  out.fill(0);
  const length = size / 2 + rng.int(size / 2 + 1);
  const thickness = 1 + rng.int(2);
  const brightness = 0.6 + 0.4 * rng.next();
  const along = rng.int(size - length + 1); // where the bar starts along its direction
  const across = rng.int(size - thickness + 1); // where it sits across it
  for (let k = 0; k < length; k++) {
    for (let t = 0; t < thickness; t++) {
      let row: number;
      let col: number;
      if (label === 0) [row, col] = [across + t, along + k];
      else if (label === 1) [row, col] = [along + k, across + t];
      else if (label === 2) [row, col] = [along + k, Math.min(size - 1, along + k + t)];
      else [row, col] = [along + k, Math.max(0, size - 1 - along - k - t)];
      out[row * size + col] = brightness;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]! + noise * rng.normal()));
}

/** One split: `count` images made from `seed`, classes in turn (balanced). */
export class BarsSplit implements DataSplit {
  readonly labels: Int32Array;
  readonly augments = false;
  private readonly images: Float32Array;

  constructor(
    readonly size: number,
    private readonly side: number,
    noise: number,
    seed: number,
  ) {
    const pixels = side * side;
    this.images = new Float32Array(size * pixels);
    this.labels = new Int32Array(size);
    const rng = new Rng(seed);
    for (let i = 0; i < size; i++) {
      this.labels[i] = i % BAR_CLASSES.length;
      drawBar(this.labels[i]!, side, noise, rng, this.images.subarray(i * pixels, (i + 1) * pixels));
    }
  }

  /** `{x: float32 [B, H, W, 1], y: int32 [B], index: int32 [B]}` of the given split indices. */
  batch(indices: Int32Array): Batch {
    const pixels = this.side * this.side;
    const x = new Float32Array(indices.length * pixels);
    const y = new Int32Array(indices.length);
    indices.forEach((i, b) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.size)
        throw new RangeError(`mylab-bars: index ${i} out of range [0, ${this.size})`);
      x.set(this.images.subarray(i * pixels, (i + 1) * pixels), b * pixels);
      y[b] = this.labels[i]!;
    });
    return {
      x: tf.tensor4d(x, [indices.length, this.side, this.side, 1], 'float32'),
      y: tf.tensor1d(y, 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'),
    };
  }

  preview(index: number): SamplePreview {
    const pixels = this.side * this.side;
    const label = this.labels[index]!;
    return {
      image: { data: this.images.slice(index * pixels, (index + 1) * pixels), shape: [this.side, this.side, 1] },
      lines: [`${label}: ${BAR_CLASSES[label]}`],
    };
  }
}

/** Builds the dataset (pure computation: the same options give the same images). */
export function makeBars(options: MylabBarsOptions): Dataset {
  const splits: Record<SplitName, BarsSplit> = {
    train: new BarsSplit(options.train, options.size, options.noise, deriveSeed(options.seed, 'train')),
    val: new BarsSplit(options.val, options.size, options.noise, deriveSeed(options.seed, 'val')),
    test: new BarsSplit(options.test, options.size, options.noise, deriveSeed(options.seed, 'test')),
  };
  return {
    name: 'mylab-bars',
    inputShape: [options.size, options.size, 1],
    numClasses: BAR_CLASSES.length,
    classNames: [...BAR_CLASSES],
    split(name: SplitName) {
      const split = splits[name];
      if (!split) throw new UserError(`dataset 'mylab-bars' has no split '${name}' (has: train, val, test)`);
      return split;
    },
  };
}

/** `data.dataset: mylab-bars`: a tiny procedurally generated image classification set. */
export const mylabBars: DatasetProvider = {
  id: 'mylab-bars',
  description:
    'MyLab bars: generated grey images of a horizontal, vertical, diagonal or anti-diagonal bar with noise (4 classes, 16×16 by default); options train, val, test, size, noise, seed',
  async load(options: Record<string, unknown>) {
    const parsed = mylabBarsOptions.safeParse(options ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0]! : issue.path.map(String).join('.');
      throw new ConfigError(
        `data.options.${key}`,
        issue.code === 'unrecognized_keys' ? `unknown option '${key}'` : issue.message,
      );
    }
    return makeBars(parsed.data);
  },
};
