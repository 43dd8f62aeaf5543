import { ngramCounts, tokenizeCorpus, type Caption } from './caption-tokenize.js';

export interface CiderDOptions {
  /** standard deviation of the Gaussian length penalty (default 6) */
  readonly sigma?: number;
  /** tokeniser for string captions (default `tokenizeCaption`) */
  readonly tokenize?: (text: string) => readonly string[];
}

export interface CiderDResult {
  /** mean of the per-image scores */
  readonly score: number;
  readonly perImage: Float64Array;
}

const N = 4;

interface TfIdf {
  /** per order: n-gram → tf · idf */
  readonly vec: Map<string, number>[];
  readonly norm: number[];
  /** number of bigrams (pycocoevalcap's length: words − 1 for a non-empty caption) */
  readonly length: number;
}

/**
 * CIDEr-D (Vedantam et al. 2015) as pycocoevalcap's / vrama91's ciderD_scorer with document
 * frequencies from the evaluated corpus ("corpus" df mode). With I images, df(g) = number of images
 * whose reference set contains n-gram g (in any of its references), and an n-gram's TF-IDF weight in
 * a caption is g(x) = tf(x) · (log I − log max(1, df(g))). For n = 1..4, candidate c and reference s,
 *   sim_n(c, s) = Σ_g min(g_c, g_s) · g_s / (‖g_c‖ ‖g_s‖) · exp(−(ℓ_c − ℓ_s)² / (2σ²))
 * (candidate weights clipped by the reference's; norms of the unclipped vectors; the fraction is 0
 * when a norm is 0; ℓ = length, counted as pycocoevalcap does as the number of bigrams), and
 *   CIDEr-D(image) = 10 · (1/4) Σ_n (1/m) Σ_{s ∈ refs} sim_n(c, s),   score = mean over images.
 * With a single image every reference n-gram has idf 0, so the score is 0.
 */
export function ciderD(
  candidates: readonly Caption[],
  references: readonly (readonly Caption[])[],
  options: CiderDOptions = {},
): CiderDResult {
  const what = 'ciderD';
  const sigma = options.sigma ?? 6;
  if (!(sigma > 0) || !Number.isFinite(sigma))
    throw new Error(`${what}: sigma must be a finite number > 0, got ${sigma}`);
  const corpus = tokenizeCorpus(what, candidates, references, options.tokenize);
  const candCounts = corpus.candidates.map((t) => ngramCounts(t, N));
  const refCounts = corpus.references.map((refs) => refs.map((t) => ngramCounts(t, N)));

  const df = new Map<string, number>();
  for (const refs of refCounts) {
    const seen = new Set<string>();
    for (const ref of refs) for (const counts of ref) for (const g of counts.keys()) seen.add(g);
    for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
  }
  const logImages = Math.log(candidates.length);

  const tfidf = (counts: Map<string, number>[]): TfIdf => {
    const vec = counts.map((byGram) => {
      const v = new Map<string, number>();
      for (const [g, tf] of byGram) v.set(g, tf * (logImages - Math.log(Math.max(1, df.get(g) ?? 0))));
      return v;
    });
    const norm = vec.map((v) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)));
    const length = [...counts[1]!.values()].reduce((s, x) => s + x, 0);
    return { vec, norm, length };
  };

  const perImage = new Float64Array(candidates.length);
  candCounts.forEach((counts, i) => {
    const cand = tfidf(counts);
    const refs = refCounts[i]!;
    const sum = new Array<number>(N).fill(0);
    for (const refCount of refs) {
      const ref = tfidf(refCount);
      const delta = cand.length - ref.length;
      const penalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
      for (let n = 0; n < N; n++) {
        let val = 0;
        for (const [g, w] of cand.vec[n]!) {
          const wr = ref.vec[n]!.get(g) ?? 0;
          val += Math.min(w, wr) * wr;
        }
        if (cand.norm[n] !== 0 && ref.norm[n] !== 0) val /= cand.norm[n]! * ref.norm[n]!;
        sum[n]! += val * penalty;
      }
    }
    perImage[i] = (10 * sum.reduce((s, x) => s + x, 0)) / N / refs.length;
  });
  return { score: perImage.reduce((s, x) => s + x, 0) / perImage.length, perImage };
}
