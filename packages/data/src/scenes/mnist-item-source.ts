import { MNIST_CLASSES, MNIST_SIZE, loadMnistArrays, type MnistArrays } from '../mnist/mnist-source.js';
import type { ItemSource } from './item-source.js';

/** MNIST digits as scene items (28×28, classes '0'…'9'); shares the arrays, no copy. */
export function mnistItemSource(arrays: MnistArrays): ItemSource {
  return {
    name: 'mnist',
    images: arrays.images,
    labels: arrays.labels,
    height: MNIST_SIZE,
    width: MNIST_SIZE,
    classNames: Array.from({ length: MNIST_CLASSES }, (_, i) => String(i)),
  };
}

/** The bundled MNIST digits (`loadMnistArrays`, cached per process) as scene items. */
export async function loadMnistItemSource(): Promise<ItemSource> {
  return mnistItemSource(await loadMnistArrays());
}
