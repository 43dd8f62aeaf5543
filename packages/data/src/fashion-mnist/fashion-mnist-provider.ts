import { resolveConfigPath, z, type DataInfo, type DatasetLoadContext, type DatasetProvider } from '@kd/core';
import { ArrayDataset } from '../array-dataset.js';
import { compose, randomHorizontalFlip, randomTranslate } from '../augment.js';
import { longTailOptionsSchema } from '../long-tail.js';
import { applyLongTail } from '../long-tail-splits.js';
import { FASHION_MNIST_NORMALIZATION } from '../normalize.js';
import { countOrFraction, parseDatasetOptions } from '../options.js';
import { DEFAULT_SPLIT_SEED, splitIndices, type SplitIndices } from '../split.js';
import { FASHION_MNIST_DEFAULT_DIR } from './fashion-mnist-files.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_SIZE, loadFashionMnistArrays } from './fashion-mnist-source.js';

export const FASHION_MNIST_INFO: DataInfo = Object.freeze({
  name: 'fashion-mnist',
  inputShape: Object.freeze([FASHION_MNIST_SIZE, FASHION_MNIST_SIZE, 1]),
  numClasses: FASHION_MNIST_CLASSES.length,
  classNames: Object.freeze([...FASHION_MNIST_CLASSES]),
});

export const fashionMnistOptionsSchema = z
  .object({
    dir: z.string().min(1).default(FASHION_MNIST_DEFAULT_DIR).describe('folder with the four IDX files (plain or .gz)'),
    verify: z.boolean().default(true).describe('check the SHA-256 of every file'),
    val: countOrFraction(0)
      .default(5000)
      .describe('validation samples taken from the official train set (count or fraction)'),
    test: countOrFraction(1)
      .default(10000)
      .describe('samples of the official test set used as test (count or fraction; default all)'),
    trainSize: countOrFraction(1)
      .optional()
      .describe('subsample train to this many samples (count, or fraction of train)'),
    splitSeed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(DEFAULT_SPLIT_SEED)
      .describe('seed of the split (independent of the run seed)'),
    normalize: z.boolean().default(true).describe('normalise with mean 0.286, std 0.353'),
    augment: z.boolean().default(false).describe('random ±2 px translation and horizontal flip of train batches'),
    longTail: longTailOptionsSchema.optional().describe('make train long-tailed (val/test stay balanced)'),
  })
  .strict();

export type FashionMnistOptions = z.input<typeof fashionMnistOptionsSchema>;

/**
 * Fashion-MNIST from its IDX files (Debian's dataset-fashion-mnist, or `dir`): val is a stratified
 * part of the official 60k train set, test is (a stratified part of) the official 10k test set.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}, context: DatasetLoadContext = {}): ArrayDataset {
  const o = parseDatasetOptions(fashionMnistOptionsSchema, options as Record<string, unknown>);
  const { images, labels, trainCount } = loadFashionMnistArrays(resolveConfigPath(context.baseDir, o.dir), o.verify);
  const trainLabels = labels.subarray(0, trainCount);
  const testLabels = labels.subarray(trainCount);
  const fromTrain = splitIndices(trainLabels, {
    val: o.val,
    test: 0,
    trainSize: o.trainSize,
    seed: o.splitSeed,
    stratified: true,
  });
  // a stratified subsample of the official test set (all of it by default)
  const testCount = o.test > 0 && o.test < 1 ? Math.round(o.test * testLabels.length) : o.test;
  const test = splitIndices(testLabels, {
    val: 0,
    test: 0,
    trainSize: testCount,
    seed: o.splitSeed,
    stratified: true,
  }).train.map((i) => i + trainCount);
  let splits: SplitIndices = { train: fromTrain.train, val: fromTrain.val, test };
  let info = FASHION_MNIST_INFO;
  if (o.longTail) ({ splits, info } = applyLongTail(splits, labels, info, o.longTail, o.splitSeed));
  return new ArrayDataset(
    { info, images, labels },
    {
      splits,
      normalization: o.normalize ? FASHION_MNIST_NORMALIZATION : null,
      augmentation: o.augment ? compose(randomTranslate(2, 0), randomHorizontalFlip(0.5)) : null,
    },
  );
}

export const fashionMnistProvider: DatasetProvider & { readonly optionsSchema: typeof fashionMnistOptionsSchema } = {
  id: 'fashion-mnist',
  description:
    'Fashion-MNIST, 70,000 28×28 grey images of 10 clothing classes from IDX files (Debian dataset-fashion-mnist or options.dir); ' +
    'train/val/test 55,000/5,000/10,000 by default; options.longTail makes train long-tailed (Many/Medium/Few groups)',
  optionsSchema: fashionMnistOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return Promise.resolve(loadFashionMnist(options, context));
  },
};
