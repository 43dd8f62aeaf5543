import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';
import { splitWords } from '../tokenizer/split-words.js';
import { Vocabulary } from '../tokenizer/vocabulary.js';

/**
 * The vocabulary of a captioned dataset: built (with `minCount`) from the train captions and the
 * filled class prompts; prompt words that `minCount` dropped are appended (sorted), so every class
 * prompt encodes without [UNK]. Val/test captions are not looked at.
 */
export function captionedVocabulary(
  trainCaptions: readonly SampleCaptions[],
  promptTexts: readonly string[],
  minCount = 1,
): Vocabulary {
  const corpus = [...trainCaptions.flatMap(captionTexts), ...promptTexts];
  const built = Vocabulary.build(corpus, { minCount });
  const missing = [...new Set(promptTexts.flatMap(splitWords))].filter((w) => !built.has(w)).sort();
  return missing.length === 0 ? built : new Vocabulary([...built.tokens, ...missing]);
}
