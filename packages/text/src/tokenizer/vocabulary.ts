import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '@kd/core';
import { SPECIAL_TOKENS, UNK_ID } from './special-tokens.js';
import { splitWords } from './split-words.js';

export interface BuildVocabularyOptions {
  /** Words seen fewer times than this are left out (they encode as [UNK]). Default 1. */
  readonly minCount?: number;
  /** Maximum number of tokens including the 5 special tokens. Default: no limit. */
  readonly maxSize?: number;
}

/** The JSON form of a vocabulary (`Vocabulary.toJSON`, `saveVocabulary`). */
export interface VocabularyJson {
  readonly format: 'kd-vocabulary';
  readonly version: 1;
  /** Every token by id; ids 0–4 are the special tokens. */
  readonly tokens: readonly string[];
}

/**
 * A word ↔ id table. Ids 0–4 are `SPECIAL_TOKENS`; words follow by descending corpus count, ties
 * alphabetical (code-unit order), so the same corpus always gives the same ids.
 */
export class Vocabulary {
  private readonly ids: Map<string, number>;

  constructor(readonly tokens: readonly string[]) {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (tokens[i] !== t) throw new Error(`vocabulary: token ${i} must be ${t}, got ${JSON.stringify(tokens[i])}`);
    });
    this.ids = new Map();
    tokens.forEach((t, i) => {
      if (this.ids.has(t))
        throw new Error(`vocabulary: duplicate token ${JSON.stringify(t)} at ids ${this.ids.get(t)} and ${i}`);
      this.ids.set(t, i);
    });
  }

  /** Counts the words of `corpus` (see `splitWords`) and keeps the most frequent. */
  static build(corpus: Iterable<string>, options: BuildVocabularyOptions = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize < SPECIAL_TOKENS.length)
      throw new RangeError(`vocabulary: maxSize ${maxSize} is below the ${SPECIAL_TOKENS.length} special tokens`);
    const counts = new Map<string, number>();
    for (const text of corpus) for (const w of splitWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const special = new Set<string>(SPECIAL_TOKENS);
    const words = [...counts]
      .filter(([w, c]) => c >= minCount && !special.has(w))
      .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, maxSize - SPECIAL_TOKENS.length)
      .map(([w]) => w);
    return new Vocabulary([...SPECIAL_TOKENS, ...words]);
  }

  static fromJSON(json: unknown): Vocabulary {
    const j = json as Partial<VocabularyJson> | null;
    if (
      !j ||
      j.format !== 'kd-vocabulary' ||
      j.version !== 1 ||
      !Array.isArray(j.tokens) ||
      !j.tokens.every((t) => typeof t === 'string')
    ) {
      throw new Error('vocabulary: expected {"format": "kd-vocabulary", "version": 1, "tokens": [string, …]}');
    }
    return new Vocabulary(j.tokens);
  }

  /** A short fingerprint of the token list (sha-256 prefix): equal for equal vocabularies only. */
  fingerprint(): string {
    return createHash('sha256').update(JSON.stringify(this.tokens)).digest('hex').slice(0, 16);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a (lower-case) word, or [UNK]'s id. */
  idOf(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  tokenOf(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`vocabulary: id ${id} out of range [0, ${this.size})`);
    return t;
  }

  toJSON(): VocabularyJson {
    return { format: 'kd-vocabulary', version: 1, tokens: [...this.tokens] };
  }
}

export function saveVocabulary(vocabulary: Vocabulary, path: string): void {
  writeFileSync(path, JSON.stringify(vocabulary.toJSON()) + '\n');
}

export function loadVocabulary(path: string): Vocabulary {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: cannot read vocabulary: ${(e as Error).message}`);
  }
  try {
    return Vocabulary.fromJSON(json);
  } catch (e) {
    throw new UserError(`${path}: ${(e as Error).message}`);
  }
}
