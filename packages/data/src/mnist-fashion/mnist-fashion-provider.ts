import { resolveConfigPath, z, type DataInfo, type DatasetLoadContext, type DatasetProvider } from '@kd/core';
import { ArrayDataset } from '../array-dataset.js';
import { randomTranslate } from '../augment.js';
import { fashionMnistOptionsSchema, loadFashionMnist } from '../fashion-mnist/fashion-mnist-provider.js';
import { FASHION_MNIST_CLASSES, loadFashionMnistArrays } from '../fashion-mnist/fashion-mnist-source.js';
import { MNIST_MAX_SHIFT, loadMnist, mnistOptionsSchema } from '../mnist/mnist-provider.js';
import { MNIST_CLASSES, loadMnistArrays } from '../mnist/mnist-source.js';
import { longTailOptionsSchema } from '../long-tail.js';
import { applyLongTail } from '../long-tail-splits.js';
import { MNIST_FASHION_NORMALIZATION } from '../normalize.js';
import { parseDatasetOptions } from '../options.js';
import type { SplitIndices } from '../split.js';

const ITEM_SIZE = 28 * 28;

/** The name (and dataset id) of the combined item set. */
export const MNIST_FASHION_NAME = 'mnist+fashion-mnist';

/** Class ids 0–9 are the MNIST digits ("0".."9"), 10–19 the Fashion-MNIST classes, each under its own dataset's name. */
export const MNIST_FASHION_INFO: DataInfo = Object.freeze({
  name: MNIST_FASHION_NAME,
  inputShape: Object.freeze([28, 28, 1]),
  numClasses: MNIST_CLASSES + FASHION_MNIST_CLASSES.length,
  classNames: Object.freeze([...Array.from({ length: MNIST_CLASSES }, (_, i) => String(i)), ...FASHION_MNIST_CLASSES]),
});

// the parts keep their split options; normalisation and augmentation belong to the combined set
const partOnly = { normalize: true, augment: true, longTail: true } as const;

export const mnistFashionOptionsSchema = z
  .object({
    mnist: mnistOptionsSchema
      .omit(partOnly)
      .prefault({})
      .describe('split options of the MNIST part (as for `mnist`: trainSize, val, test, splitSeed)'),
    fashionMnist: fashionMnistOptionsSchema
      .omit(partOnly)
      .prefault({})
      .describe(
        'split options of the Fashion-MNIST part (as for `fashion-mnist`: trainSize, val, test, splitSeed, dir, verify)',
      ),
    normalize: z
      .boolean()
      .default(true)
      .describe('normalise with mean 0.2084, std 0.3403 (the statistics of an equal mixture of the two)'),
    augment: z.boolean().default(false).describe('random ±2 px translation of train batches (no flip: digits)'),
    longTail: longTailOptionsSchema
      .optional()
      .describe(
        "make train long-tailed over the 20 classes (val/test stay as split); order 'shuffled' is seeded by mnist.splitSeed — with order 'index' the digits are the head and the Fashion-MNIST classes the tail",
      ),
  })
  .strict();

export type MnistFashionOptions = z.input<typeof mnistFashionOptionsSchema>;

/**
 * MNIST digits and Fashion-MNIST items in one 20-class set: each part split exactly as its own
 * dataset splits it (the same options give the same samples), then the splits joined, MNIST first.
 * Source indices: MNIST's 0–9,999, then Fashion-MNIST's shifted by 10,000 (its official train set,
 * then its test set), so caption ids stay stable across split choices.
 */
export async function loadMnistFashion(
  options: MnistFashionOptions = {},
  context: DatasetLoadContext = {},
): Promise<ArrayDataset> {
  const o = parseDatasetOptions(mnistFashionOptionsSchema, options as Record<string, unknown>);
  const parts = [
    await loadMnist({ ...o.mnist, normalize: false }),
    loadFashionMnist({ ...o.fashionMnist, normalize: false }, context),
  ];
  // the arrays the two loaders split (both cached by their sources)
  const fashion = loadFashionMnistArrays(resolveConfigPath(context.baseDir, o.fashionMnist.dir), o.fashionMnist.verify);
  const sources = [await loadMnistArrays(), fashion];
  const images = new Float32Array(sources.reduce((n, s) => n + s.images.length, 0));
  const labels = new Int32Array(sources.reduce((n, s) => n + s.labels.length, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const [k, s] of sources.entries()) {
    offsets.push(at);
    images.set(s.images, at * ITEM_SIZE);
    const classOffset = k === 0 ? 0 : MNIST_CLASSES;
    for (let i = 0; i < s.labels.length; i++) labels[at + i] = s.labels[i]! + classOffset;
    at += s.labels.length;
  }
  const joined = (name: 'train' | 'val' | 'test') =>
    Int32Array.from(parts.flatMap((p, k) => Array.from(p.split(name).sourceIndices, (i) => i + offsets[k]!)));
  let splits: SplitIndices = { train: joined('train'), val: joined('val'), test: joined('test') };
  let info = MNIST_FASHION_INFO;
  if (o.longTail) ({ splits, info } = applyLongTail(splits, labels, info, o.longTail, o.mnist.splitSeed));
  return new ArrayDataset(
    { info, images, labels },
    {
      splits,
      normalization: o.normalize ? MNIST_FASHION_NORMALIZATION : null,
      augmentation: o.augment ? randomTranslate(MNIST_MAX_SHIFT, 0) : null,
    },
  );
}

export const mnistFashionProvider: DatasetProvider & { readonly optionsSchema: typeof mnistFashionOptionsSchema } = {
  id: MNIST_FASHION_NAME,
  description:
    'MNIST digits and Fashion-MNIST items in one 20-class set (classes "0".."9", then T-shirt/top … Ankle boot): each part split as its own dataset (options.mnist, options.fashionMnist), the splits joined',
  optionsSchema: mnistFashionOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return loadMnistFashion(options, context);
  },
};
