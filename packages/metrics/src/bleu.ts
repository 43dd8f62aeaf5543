import { ngramCounts, tokenizeCorpus, type Caption } from './caption-tokenize.js';

/**
 * - `'none'` (default): the exact formula; a corpus with no matching n-gram of some order has
 *   BLEU 0.
 * - `'pycocoevalcap'`: pycocoevalcap's guards, p_n = (matches + 1e-15) / (total + 1e-9) and
 *   c / r → (c + 1e-15) / (r + 1e-9) in the brevity penalty; agrees with `'none'` to ~1e-9
 *   relative when all p_n > 0, but gives a small positive score (of order 1e-4) instead of 0 otherwise.
 */
export type BleuEpsilon = 'none' | 'pycocoevalcap';

export interface BleuOptions {
  /** highest n-gram order (default 4: BLEU-4) */
  readonly maxN?: number;
  readonly epsilon?: BleuEpsilon;
  /** tokeniser for string captions (default `tokenizeCaption`) */
  readonly tokenize?: (text: string) => readonly string[];
}

export interface BleuResult {
  /** BLEU-maxN (BLEU-4 by default) */
  readonly bleu: number;
  /** BLEU-1 … BLEU-maxN (pycocoevalcap's Bleu_1 … Bleu_4) */
  readonly cumulative: readonly number[];
  /** modified n-gram precisions p_1 … p_maxN (matches / totals; 0 when totals = 0) */
  readonly precisions: readonly number[];
  /** clipped n-gram matches of each order, summed over the corpus */
  readonly matches: readonly number[];
  /** candidate n-grams of each order, summed over the corpus */
  readonly totals: readonly number[];
  readonly brevityPenalty: number;
  /** c: total candidate length in tokens */
  readonly candidateLength: number;
  /** r: sum over images of the reference length closest to the candidate's */
  readonly referenceLength: number;
}

/**
 * Corpus BLEU (Papineni et al. 2002) as pycocoevalcap computes it with the "closest" option.
 * One candidate per image, one or more references per image. For each order n, a candidate
 * n-gram's count is clipped by its largest count in any single reference of that image; matches and
 * totals are summed over the corpus, p_n = Σ matches_n / Σ totals_n. The effective reference length
 * of an image is the reference length closest to the candidate's (on a tie, the shorter one),
 * r = Σ of those, c = Σ candidate lengths, BP = 1 if c > r else exp(1 − r / c), and
 *   BLEU-N = BP · (p_1 · … · p_N)^(1/N).
 */
export function corpusBleu(
  candidates: readonly Caption[],
  references: readonly (readonly Caption[])[],
  options: BleuOptions = {},
): BleuResult {
  const what = 'corpusBleu';
  const maxN = options.maxN ?? 4;
  if (!Number.isInteger(maxN) || maxN < 1) throw new Error(`${what}: maxN must be an integer ≥ 1, got ${maxN}`);
  const epsilon = options.epsilon ?? 'none';
  if (epsilon !== 'none' && epsilon !== 'pycocoevalcap')
    throw new Error(`${what}: unknown epsilon '${String(epsilon)}'`);
  const corpus = tokenizeCorpus(what, candidates, references, options.tokenize);

  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let c = 0;
  let r = 0;
  corpus.candidates.forEach((cand, i) => {
    const refs = corpus.references[i]!;
    // closest reference length; ties → the shorter reference
    let closest = refs[0]!.length;
    for (const ref of refs) {
      const d = Math.abs(ref.length - cand.length);
      const best = Math.abs(closest - cand.length);
      if (d < best || (d === best && ref.length < closest)) closest = ref.length;
    }
    c += cand.length;
    r += closest;
    // clip by the maximum count of each n-gram in any one reference
    const maxRef = ngramCounts([], maxN);
    for (const ref of refs) {
      ngramCounts(ref, maxN).forEach((counts, n) => {
        for (const [g, k] of counts) maxRef[n]!.set(g, Math.max(maxRef[n]!.get(g) ?? 0, k));
      });
    }
    ngramCounts(cand, maxN).forEach((counts, n) => {
      for (const [g, k] of counts) matches[n]! += Math.min(k, maxRef[n]!.get(g) ?? 0);
      totals[n]! += Math.max(0, cand.length - n);
    });
  });

  const precisions = matches.map((m, n) => (totals[n] === 0 ? 0 : m / totals[n]!));
  const cumulative: number[] = [];
  let brevityPenalty: number;
  if (epsilon === 'pycocoevalcap') {
    const tiny = 1e-15;
    const small = 1e-9;
    const ratio = (c + tiny) / (r + small);
    brevityPenalty = ratio < 1 ? Math.exp(1 - 1 / ratio) : 1;
    let product = 1;
    for (let n = 0; n < maxN; n++) {
      product *= (matches[n]! + tiny) / (totals[n]! + small);
      cumulative.push(product ** (1 / (n + 1)) * brevityPenalty);
    }
  } else {
    brevityPenalty = c > r ? 1 : c === 0 ? 0 : Math.exp(1 - r / c);
    let logSum = 0;
    for (let n = 0; n < maxN; n++) {
      logSum += Math.log(precisions[n]!); // −Infinity when p_n = 0 → BLEU 0
      cumulative.push(brevityPenalty * Math.exp(logSum / (n + 1)));
    }
  }
  return {
    bleu: cumulative[maxN - 1]!,
    cumulative,
    precisions,
    matches,
    totals,
    brevityPenalty,
    candidateLength: c,
    referenceLength: r,
  };
}
