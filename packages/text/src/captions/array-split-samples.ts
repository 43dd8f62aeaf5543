import type { ArraySplit } from '@kd/data';
import type { CaptionSample } from './caption-provider.js';

/**
 * The samples of an in-memory split to caption: raw pixels (no augmentation, no normalisation),
 * labels, and `id` = the sample's index in the source arrays (stable across split choices).
 * `inputShape` is the dataset's [H, W, C].
 */
export function arraySplitSamples(split: ArraySplit, inputShape: readonly number[]): CaptionSample[] {
  const [height, width, channels] = inputShape;
  if (inputShape.length !== 3)
    throw new Error(`arraySplitSamples: inputShape must be [H, W, C], got [${inputShape.join(', ')}]`);
  const shape: [number, number, number] = [height!, width!, channels!];
  const samples: CaptionSample[] = [];
  for (let i = 0; i < split.size; i++) {
    const data = split.fill(Int32Array.of(i), { normalize: false });
    samples.push({ index: i, id: split.sourceIndices[i]!, label: split.labels[i]!, image: { data, shape } });
  }
  return samples;
}
