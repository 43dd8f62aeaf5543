import { Rng, deriveSeed } from '@kd/core';
import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';

/**
 * The one caption a batch shows for the sample at split index `index`: drawn among its general and
 * targeted captions by `Rng(deriveSeed(augmentSeed, 'caption', index))`. Training (a new augment
 * seed each epoch) sees a different caption each epoch; evaluation (no seed, i.e. 0) a fixed one.
 */
export function chooseCaption(captions: SampleCaptions, augmentSeed: number, index: number): string {
  const texts = captionTexts(captions);
  if (texts.length === 0) throw new Error(`sample ${index} has no captions`);
  if (texts.length === 1) return texts[0]!;
  return texts[new Rng(deriveSeed(augmentSeed, 'caption', index)).int(texts.length)]!;
}
