import { FASHION_MNIST_DEFAULT_DIR, readFashionMnistFile } from './fashion-mnist-files.js';

export const FASHION_MNIST_SIZE = 28;
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
/** Official train and test sizes. */
export const FASHION_MNIST_TRAIN = 60000;
export const FASHION_MNIST_TEST = 10000;

/**
 * All 70,000 images: the official train set (indices 0–59,999) then the official test set
 * (60,000–69,999). Images [N, 28, 28, 1] in [0, 1]. Cached per (dir, verify): treat as read-only.
 */
export interface FashionMnistArrays {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly trainCount: number;
  readonly testCount: number;
}

const cache = new Map<string, FashionMnistArrays>();

export function loadFashionMnistArrays(dir: string = FASHION_MNIST_DEFAULT_DIR, verify = true): FashionMnistArrays {
  const key = `${dir}\0${verify}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const trainImages = readFashionMnistFile(dir, 'trainImages', verify);
  const trainLabels = readFashionMnistFile(dir, 'trainLabels', verify);
  const testImages = readFashionMnistFile(dir, 'testImages', verify);
  const testLabels = readFashionMnistFile(dir, 'testLabels', verify);
  const images = new Float32Array(trainImages.length + testImages.length);
  const scale = 1 / 255;
  for (let i = 0; i < trainImages.length; i++) images[i] = trainImages[i]! * scale;
  for (let i = 0, o = trainImages.length; i < testImages.length; i++) images[o + i] = testImages[i]! * scale;
  const labels = new Int32Array(trainLabels.length + testLabels.length);
  labels.set(trainLabels);
  labels.set(testLabels, trainLabels.length);
  for (const l of labels)
    if (l >= FASHION_MNIST_CLASSES.length) throw new Error(`Fashion-MNIST: label ${l} out of range`);
  const arrays = { images, labels, trainCount: trainLabels.length, testCount: testLabels.length };
  cache.set(key, arrays);
  return arrays;
}
