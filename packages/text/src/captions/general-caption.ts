import type { Rng } from '@kd/core';
import { ATTRIBUTE_LEVELS, positionPhrase, type AttributeName, type AttributeWords } from './attribute-words.js';

export interface GeneralCaptionNoise {
  /** Probability that each attribute is left out of the caption (at least one is always kept). Default 0.2. */
  readonly dropProbability?: number;
  /** Probability that each kept attribute is moved to a neighbouring level. Default 0.1. */
  readonly perturbProbability?: number;
}

const CLAUSES: Readonly<
  Record<Exclude<AttributeName, 'horizontal' | 'vertical'> | 'position', readonly ((w: string) => string)[]>
> = {
  size: [(w) => `it is ${w}`, (w) => `the object looks ${w}`],
  position: [(w) => `it sits ${w}`, (w) => `it is placed ${w} of the frame`],
  brightness: [(w) => `it is ${w}`, (w) => `the object appears ${w}`],
  thickness: [(w) => `its strokes are ${w}`, (w) => `it is drawn with ${w} lines`],
  orientation: [(w) => `it is ${w}`, (w) => `its main axis is ${w}`],
  texture: [(w) => `its surface is ${w}`, (w) => `it looks ${w}`],
};

/** The general caption of an image with no ink. */
export const EMPTY_IMAGE_CAPTION = 'The image is empty: no object is visible.';

const OPENINGS = [
  'The image shows a single object on a dark background',
  'A light shape on a black background',
  'One object fills part of the picture',
];

function perturb(value: number, levels: number, cyclic: boolean, rng: Rng): number {
  const step = rng.next() < 0.5 ? -1 : 1;
  if (cyclic) return (value + step + levels) % levels;
  const v = value + step;
  return v < 0 || v >= levels ? value - step : v;
}

/**
 * The general-prompt answer: an opening and one clause per kept attribute, in a shuffled order,
 * each worded with one of a few templates. `rng` decides drops, perturbations, wording and order.
 */
export function generalCaption(words: AttributeWords, rng: Rng, noise: GeneralCaptionNoise = {}): string {
  const drop = noise.dropProbability ?? 0.2;
  const move = noise.perturbProbability ?? 0.1;
  const value = (name: AttributeName): number | null => {
    const v = words[name];
    if (v === null) return null;
    const levels = ATTRIBUTE_LEVELS[name].length;
    return rng.next() < move ? perturb(v, levels, name === 'orientation', rng) : v;
  };
  const facts: { key: keyof typeof CLAUSES; word: string }[] = [];
  for (const name of ['size', 'brightness', 'thickness', 'orientation', 'texture'] as const) {
    const v = value(name);
    if (v !== null) facts.push({ key: name, word: ATTRIBUTE_LEVELS[name][v]! });
  }
  const h = value('horizontal'),
    v = value('vertical');
  if (h !== null && v !== null) facts.push({ key: 'position', word: positionPhrase(h, v) });
  if (facts.length === 0) return EMPTY_IMAGE_CAPTION;
  const opening = OPENINGS[rng.int(OPENINGS.length)]!;
  const kept = facts.filter(() => rng.next() >= drop);
  if (kept.length === 0) kept.push(facts[rng.int(facts.length)]!);
  const order = rng.permutation(kept.length);
  const clauses = Array.from(order, (i) => {
    const f = kept[i]!;
    const forms = CLAUSES[f.key];
    return forms[rng.int(forms.length)]!(f.word);
  });
  return `${opening}: ${clauses.join(', ')}.`;
}
