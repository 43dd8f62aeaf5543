import { Rng, deriveSeed } from '@kd/core';
import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';

/**
 * Which captions of a sample a batch may show: `all` (general and targeted; the default), only the
 * answers to the `general` prompt, or only the `targeted` ones (T1–T4). VLM-KD's "general prompt"
 * vs "targeted prompts" ablation switches this.
 */
export type CaptionKinds = 'all' | 'general' | 'targeted';

/**
 * Positions (in `captionTexts` order: general first, then targeted) of the captions of `kinds`.
 * When a sample has none of the asked kind, every caption is allowed (a sample is never left
 * without text); `captionKindsCoverage` tells how often that happens.
 */
export function captionPositions(captions: SampleCaptions, kinds: CaptionKinds = 'all'): number[] {
  const g = captions.general.length;
  const t = captions.targeted.length;
  const general = Array.from({ length: g }, (_, i) => i);
  const targeted = Array.from({ length: t }, (_, i) => g + i);
  const chosen = kinds === 'general' ? general : kinds === 'targeted' ? targeted : [...general, ...targeted];
  return chosen.length > 0 ? chosen : [...general, ...targeted];
}

/**
 * The position (in `captionTexts` order) of the one caption a batch shows for the sample at split
 * index `index`: drawn among the captions of `kinds` by `Rng(deriveSeed(augmentSeed, 'caption',
 * index))`. Training (a new augment seed each epoch) sees a different caption each epoch; evaluation
 * (no seed, i.e. 0) a fixed one. With `kinds: 'all'` the draw is the same as before the option existed.
 */
export function chooseCaptionPosition(
  captions: SampleCaptions,
  augmentSeed: number,
  index: number,
  kinds: CaptionKinds = 'all',
): number {
  if (captions.general.length + captions.targeted.length === 0) throw new Error(`sample ${index} has no captions`);
  const positions = captionPositions(captions, kinds);
  if (positions.length === 1) return positions[0]!;
  return positions[new Rng(deriveSeed(augmentSeed, 'caption', index)).int(positions.length)]!;
}

/** The text of the caption `chooseCaptionPosition` picks. */
export function chooseCaption(
  captions: SampleCaptions,
  augmentSeed: number,
  index: number,
  kinds: CaptionKinds = 'all',
): string {
  return captionTexts(captions)[chooseCaptionPosition(captions, augmentSeed, index, kinds)]!;
}
