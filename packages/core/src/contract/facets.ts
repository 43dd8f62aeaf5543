import type { DataInfo } from './dataset.js';

/**
 * A typed piece of side information a dataset may offer (base/novel classes, an answer vocabulary, …):
 * a dataset stores the value under `facet.id` in `DataInfo.facets`; a reader gets it typed with
 * `facetOf(data, FACET)` instead of a cast. Methods, tasks and architectures list the facets they need
 * (`requiredFacets`), and a run checks them before anything is written.
 */
export interface Facet<T> {
  readonly id: string;
  readonly description: string;
  /** Phantom: the value's type (never set). */
  readonly __value?: T;
}

export function defineFacet<T>(id: string, description: string): Facet<T> {
  return { id, description };
}

/** Facet values of a dataset, by facet id. Build it with `facets(...)` to keep the types. */
export type Facets = Readonly<Record<string, unknown>>;

/** A typed facet entry for `DataInfo.facets`: `facets(entry(BASE_NOVEL, {...}), …)`. */
export function facetEntry<T>(facet: Facet<T>, value: T): readonly [string, unknown] {
  return [facet.id, value];
}

export function facets(...entries: readonly (readonly [string, unknown])[]): Facets {
  return Object.fromEntries(entries);
}

/** The facet's value when the dataset offers it. */
export function facetOf<T>(data: Pick<DataInfo, 'facets'>, facet: Facet<T>): T | undefined {
  return data.facets?.[facet.id] as T | undefined;
}

/** The facet's value; a bug (not a user error) when missing, since the run checked `requiredFacets` before. */
export function requireFacet<T>(data: Pick<DataInfo, 'facets' | 'name'>, facet: Facet<T>): T {
  const v = facetOf(data, facet);
  if (v === undefined)
    throw new Error(
      `dataset '${data.name}' has no facet '${facet.id}' (declare it in requiredFacets so runs check it)`,
    );
  return v;
}

// ---- Well-known facets (read by tasks and methods of several packages) ----

/** Base / novel classes of an open-vocabulary split (ViLD): novel objects stay in the images, unannotated in training. */
export const BASE_NOVEL_CLASSES = defineFacet<{ readonly base: readonly number[]; readonly novel: readonly number[] }>(
  'baseNovelClasses',
  'class ids seen in training (base) and held out (novel; still in the images, annotated only for evaluation)',
);

/** The answers of a VQA dataset, in head order (answer id = index). */
export const ANSWER_VOCABULARY = defineFacet<readonly string[]>(
  'answerVocabulary',
  'answers of the VQA head, by answer id',
);

/** The predicates of a relationship dataset, in label order (predicate id = index). */
export const PREDICATE_NAMES = defineFacet<readonly string[]>('predicates', 'relationship predicates, by predicate id');

/** Token id → word of a dataset's text (captioning decodes with it). */
export const TEXT_WORDS = defineFacet<{
  readonly words: readonly string[];
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;
}>('textWords', 'the text vocabulary: words by token id and the ids of [CLS], [SEP] and padding');

/** The size of the precomputed caption embeddings a captioned dataset's batches carry (`captionEmbedding`). */
export const CAPTION_EMBEDDING_SIZE = defineFacet<number>(
  'captionEmbeddingSize',
  'dimension of the precomputed caption embeddings (batch key captionEmbedding)',
);
