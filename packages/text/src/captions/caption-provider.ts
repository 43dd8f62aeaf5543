/** One training image to caption. */
export interface CaptionSample {
  /** Position in the dataset split (0-based). */
  readonly index: number;
  /** A stable id of the sample (e.g. its index in the source arrays); the file provider matches it. Defaults to `index`. */
  readonly id?: string | number;
  /** Class id in [0, numClasses). */
  readonly label: number;
  /** Raw pixels, HWC, values in [0, 1] (before normalisation). Needed by captioners that look at the image. */
  readonly image?: { readonly data: ArrayLike<number>; readonly shape: readonly [number, number, number] };
}

/**
 * Captions of one image: answers to the general prompt (class-agnostic description) and to the
 * targeted prompts (class-aware; T1–T4 for the template captioner). Either list may be empty.
 */
export interface SampleCaptions {
  readonly general: readonly string[];
  readonly targeted: readonly string[];
  /**
   * Text embeddings computed elsewhere (e.g. by the VLM's own text encoder), one per caption in the
   * order [...general, ...targeted], all of one dimension; only file providers give them.
   */
  readonly embeddings?: readonly (readonly number[])[];
}

/** Something that yields captions per training image: the "VLM" of VLM-KD. */
export interface CaptionProvider {
  /** Names the provider kind (e.g. `template`, `file`); part of the caption cache key. */
  readonly id: string;
  /** Everything that changes the captions (seed, knowledge table, file path and content hash, …); part of the cache key. */
  readonly options: Readonly<Record<string, unknown>>;
  captions(sample: CaptionSample): SampleCaptions;
  /** Captions of many samples at once; providers implement it to report all problems in one error. */
  captionMany?(samples: readonly CaptionSample[]): SampleCaptions[];
}

/** The id a sample is matched by: its `id`, else its `index`. */
export function sampleId(sample: CaptionSample): string {
  return String(sample.id ?? sample.index);
}

/** Captions of every sample, in order (through `captionMany` when the provider has it). */
export function captionAll(provider: CaptionProvider, samples: readonly CaptionSample[]): SampleCaptions[] {
  return provider.captionMany ? provider.captionMany(samples) : samples.map((s) => provider.captions(s));
}

/** General then targeted captions of one sample, as one list. */
export function captionTexts(captions: SampleCaptions): string[] {
  return [...captions.general, ...captions.targeted];
}
