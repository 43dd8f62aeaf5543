import type { DataText } from '@kd/core';

/**
 * Token ids that name a class: those in some class's prompts but not in every class's (the prompt
 * words themselves, "a photo of a", are shared). Predicting a masked class word from a scene caption
 * needs the image, so the masked-token accuracy on these words measures grounding.
 */
export function classWordIds(text: DataText, numClasses: number): Set<number> {
  const { prompts, ids, mask } = text.classPrompts;
  const length = text.length;
  const perClass: Set<number>[] = [];
  for (let k = 0; k < numClasses; k++) {
    const words = new Set<number>();
    for (let p = 0; p < prompts; p++) {
      for (let t = 0; t < length; t++) {
        const i = (k * prompts + p) * length + t;
        if (mask[i]! > 0 && ids[i]! >= 5) words.add(ids[i]!);
      }
    }
    perClass.push(words);
  }
  const out = new Set<number>();
  for (const words of perClass) for (const w of words) if (!perClass.every((s) => s.has(w))) out.add(w);
  return out;
}
