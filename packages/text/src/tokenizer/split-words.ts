/**
 * Lower-cased words of a text: maximal runs of letters and digits (any script). Whitespace and
 * punctuation separate words and are dropped, so "T-shirt/top." gives ["t", "shirt", "top"] and
 * "boot's" gives ["boot", "s"].
 */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
