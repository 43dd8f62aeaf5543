import type { DataText } from '@kd/core';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';

/** A prompt template with every `{}` replaced by the class name ("a photo of a {}." → "a photo of a Sandal."). */
export function fillPrompt(template: string, className: string): string {
  return template.split('{}').join(className);
}

/** Every prompt filled with every class name, class-major: text k·P + p is prompt p of class k. */
export function classPromptTexts(classNames: readonly string[], prompts: readonly string[]): string[] {
  return classNames.flatMap((name) => prompts.map((p) => fillPrompt(p, name)));
}

/**
 * The class-name prompts of `DataText`: ids and mask [numClasses, prompts, length] row-major,
 * tokenised (lower-cased) to `length` tokens each.
 */
export function encodeClassPrompts(
  tokenizer: WordTokenizer,
  classNames: readonly string[],
  prompts: readonly string[],
  length: number,
): DataText['classPrompts'] {
  const encoded = tokenizer.encodeBatch(classPromptTexts(classNames, prompts), { length });
  return { prompts: prompts.length, ids: encoded.ids, mask: encoded.attentionMask };
}
