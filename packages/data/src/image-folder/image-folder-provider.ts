import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import {
  resolveConfigPath,
  UserError,
  z,
  type DataInfo,
  type DatasetLoadContext,
  type DatasetProvider,
} from '@kd/core';
import { ArrayDataset } from '../array-dataset.js';
import { compose, randomHorizontalFlip, randomTranslate } from '../augment.js';
import { longTailOptionsSchema } from '../long-tail.js';
import { applyLongTail } from '../long-tail-splits.js';
import { channelStats } from '../normalize.js';
import { countOrFraction, parseDatasetOptions } from '../options.js';
import { DEFAULT_SPLIT_SEED, splitIndices } from '../split.js';
import { IMAGE_EXTENSIONS, decodeImageFile, resizeToFloat } from './decode-image.js';

export const imageFolderOptionsSchema = z
  .object({
    root: z.string().min(1).describe('folder with one sub-folder per class: root/<class>/*.png|jpg|jpeg'),
    size: z
      .union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])])
      .default(32)
      .describe('resize to size×size or [height, width] (bilinear)'),
    channels: z
      .union([z.literal(1), z.literal(3)])
      .default(3)
      .describe('1 (grey) or 3 (RGB)'),
    val: countOrFraction(0).default(0.1).describe('validation samples (count or fraction of all)'),
    test: countOrFraction(0).default(0.2).describe('test samples (count or fraction of all)'),
    trainSize: countOrFraction(1).optional().describe('subsample train (count or fraction of train)'),
    splitSeed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(DEFAULT_SPLIT_SEED)
      .describe('seed of the stratified split'),
    normalize: z.boolean().default(true).describe("normalise with the train split's per-channel mean and std"),
    augment: z
      .boolean()
      .default(false)
      .describe('random translation (1/16 of the size) and horizontal flip of train batches'),
    longTail: longTailOptionsSchema.optional().describe('make train long-tailed (val/test stay balanced)'),
  })
  .strict();

export type ImageFolderOptions = z.input<typeof imageFolderOptionsSchema>;

/** Class folders (sorted by name) and their image files (sorted), with one-line errors naming the path. */
export function scanImageFolder(root: string): { classNames: string[]; files: string[]; labels: Int32Array } {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UserError(`image folder ${root} does not exist or is not a folder`);
  const classNames = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (classNames.length < 2) {
    throw new UserError(
      `image folder ${root} must hold one sub-folder per class (found ${classNames.length}): root/<class>/*.png|jpg`,
    );
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((name, k) => {
    const images = readdirSync(join(root, name))
      .filter((f) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase()))
      .sort();
    if (images.length === 0) throw new UserError(`class folder ${join(root, name)} holds no .png/.jpg/.jpeg images`);
    for (const f of images) {
      files.push(join(root, name, f));
      labels.push(k);
    }
  });
  return { classNames, files, labels: Int32Array.from(labels) };
}

/**
 * The user's own images: `root/<class>/*.png|jpg|jpeg`, decoded (pngjs, jpeg-js), resized to
 * `size`, split stratified by `splitSeed`; normalised with the train split's statistics.
 */
export function loadImageFolder(options: ImageFolderOptions, context: DatasetLoadContext = {}): ArrayDataset {
  const o = parseDatasetOptions(imageFolderOptionsSchema, options as Record<string, unknown>);
  const [height, width] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
  const { classNames, files, labels } = scanImageFolder(resolveConfigPath(context.baseDir, o.root));
  const sample = height * width * o.channels;
  const images = new Float32Array(files.length * sample);
  files.forEach((file, i) =>
    resizeToFloat(decodeImageFile(file), height, width, o.channels, images.subarray(i * sample, (i + 1) * sample)),
  );
  let splits = splitIndices(labels, {
    val: o.val,
    test: o.test,
    trainSize: o.trainSize,
    seed: o.splitSeed,
    stratified: true,
  });
  let info: DataInfo = {
    name: 'image-folder',
    inputShape: [height, width, o.channels],
    numClasses: classNames.length,
    classNames,
  };
  if (o.longTail) ({ splits, info } = applyLongTail(splits, labels, info, o.longTail, o.splitSeed));
  let normalization = null;
  if (o.normalize) {
    const train = new Float32Array(splits.train.length * sample);
    splits.train.forEach((src, i) => train.set(images.subarray(src * sample, (src + 1) * sample), i * sample));
    normalization = channelStats(train, o.channels);
    if (normalization.std.some((s) => s === 0))
      normalization = { mean: normalization.mean, std: normalization.std.map((s) => s || 1) };
  }
  const shift = Math.max(1, Math.round(Math.min(height, width) / 16));
  return new ArrayDataset(
    { info, images, labels },
    {
      splits,
      normalization,
      augmentation: o.augment ? compose(randomTranslate(shift, 0), randomHorizontalFlip(0.5)) : null,
    },
  );
}

export const imageFolderProvider: DatasetProvider & { readonly optionsSchema: typeof imageFolderOptionsSchema } = {
  id: 'image-folder',
  description:
    'your own images: options.root/<class>/*.png|jpg, resized to options.size (default 32), 1 or 3 channels, stratified train/val/test',
  optionsSchema: imageFolderOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return Promise.resolve(loadImageFolder(options as ImageFolderOptions, context));
  },
};
