import type { Rng } from '@kd/core';
import type { ClassKnowledge } from './class-knowledge.js';

/** "a" or "an" before a word as read aloud ("an Ankle boot", "an 8", "a Sandal"). */
export function indefiniteArticle(word: string): string {
  return /^(?:[aeiou]|8|11|18)/i.test(word) ? 'an' : 'a';
}

const pick = <T>(items: readonly T[], rng: Rng): T => items[rng.int(items.length)]!;

type Template = (name: string, phrase: string, other: string) => string;

/** Sentence templates of the four targeted prompts; `name` and `other` come with their article. */
export const TARGETED_TEMPLATES: readonly (readonly Template[])[] = [
  // T1: what is the object? (class name + synonym)
  [
    (n, p) => `This is ${n}, also called ${p}.`,
    (n, p) => `The picture shows ${n}, that is ${p}.`,
    (n, p) => `It is ${n} (${p}).`,
  ],
  // T2: which parts distinguish it?
  [
    (n, p) => `You can tell ${n} by ${p}.`,
    (n, p) => `The distinguishing part of ${n} is ${p}.`,
    (n, p) => `Look for ${p}: that marks ${n}.`,
  ],
  // T3: what does it typically look like?
  [(n, p) => `Typically ${n} ${p}.`, (n, p) => `In most images ${n} ${p}.`],
  // T4: how does it differ from the most confusable class?
  [
    (n, p, o) => `Unlike ${o}, ${n} ${p}.`,
    (n, p, o) => `${cap(n)} can be mistaken for ${o}, but it ${p}.`,
    (n, p, o) => `Compared with ${o}, ${n} ${p}.`,
  ],
];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The four targeted-prompt answers T1–T4 for a class: phrase and sentence template of each chosen
 * by `rng`. T1 contains the class name verbatim; T4 contains the confusable class's name.
 */
export function targetedCaptions(k: ClassKnowledge, rng: Rng): [string, string, string, string] {
  const name = `${indefiniteArticle(k.className)} ${k.className}`;
  const other = `${indefiniteArticle(k.confusable)} ${k.confusable}`;
  const phrases = [k.synonyms, k.parts, k.appearance, k.contrast];
  return TARGETED_TEMPLATES.map((templates, t) => {
    const phrase = pick(phrases[t]!, rng);
    return pick(templates, rng)(name, phrase, other);
  }) as [string, string, string, string];
}
