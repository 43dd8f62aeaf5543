/** A caption: a raw string (tokenised by the metric) or a list of tokens used as is. */
export type Caption = string | readonly string[];

/**
 * The package's caption tokeniser: lower-case, delete every Unicode punctuation character
 * (general category P*: . , ; : ! ? ' " - ( ) … — deleted, not replaced by a space, so "dog's"
 * → "dogs" and "t-shirt" → "tshirt"), then split on whitespace. An approximation of
 * pycocoevalcap's Stanford PTB tokeniser + punctuation filter, which needs Java.
 */
export function tokenizeCaption(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\p{P}/gu, '')
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

/** Tokens of a caption: strings go through `tokenize`, token lists are copied as they are (internal). */
export function captionTokens(
  caption: Caption,
  tokenize: (text: string) => readonly string[] = tokenizeCaption,
): readonly string[] {
  return typeof caption === 'string' ? tokenize(caption) : caption;
}

/**
 * Counts of the n-grams of each order 1..maxN (internal): result[n − 1] maps an n-gram (tokens
 * joined by U+0000) to its count.
 */
export function ngramCounts(tokens: readonly string[], maxN: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxN; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const g = tokens.slice(i, i + n).join('\u0000');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    out.push(counts);
  }
  return out;
}

/** Checks candidates / references of a caption corpus and tokenises them (internal). */
export function tokenizeCorpus(
  what: string,
  candidates: readonly Caption[],
  references: readonly (readonly Caption[])[],
  tokenize?: (text: string) => readonly string[],
): { candidates: (readonly string[])[]; references: (readonly string[])[][] } {
  if (candidates.length !== references.length) {
    throw new Error(`${what}: ${candidates.length} candidates but ${references.length} reference sets (one per image)`);
  }
  if (candidates.length === 0) throw new Error(`${what}: the corpus is empty`);
  references.forEach((refs, i) => {
    if (refs.length === 0) throw new Error(`${what}: image ${i} has no reference captions`);
  });
  return {
    candidates: candidates.map((c) => captionTokens(c, tokenize)),
    references: references.map((refs) => refs.map((r) => captionTokens(r, tokenize))),
  };
}
