#!/usr/bin/env python3
"""Golden values for @kd/metrics' caption metrics: corpus BLEU and CIDEr-D.

Run:  /usr/bin/python3 tools/golden/captions.py      (from the workspace root; pure Python 3)

Writes packages/metrics/test/fixtures/captions.json: a list of small fixed corpora (one candidate
and one or more references per image) with their scores.

This is an independent re-implementation written from the papers and from reading pycocoevalcap
(tylin/coco-caption: bleu/bleu_scorer.py, cider/cider_scorer.py; vrama91/cider: ciderD_scorer.py).
It follows them in every rule that changes a number:

Tokenisation (the package's, not pycocoevalcap's Java PTB tokeniser): lower-case, delete every
Unicode punctuation character (category P*), split on whitespace.

BLEU ("closest" reference length, pooled corpus statistics):
  * per image, a candidate n-gram count is clipped by its maximum count in any ONE reference;
    clipped matches and candidate n-gram totals max(0, len - n + 1) are summed over the corpus;
  * effective reference length per image = the reference length closest to the candidate's,
    the shorter one on a tie (pycocoevalcap: min((abs(l - c), l)));
  * BLEU-N = BP * (p_1 ... p_N)^(1/N), BP = 1 if c > r else exp(1 - r / c).
  Two variants are written: "exact" (p_n computed with fractions; 0 if any p_n is 0) and
  "pycocoevalcap" (its guards: (matches + 1e-15) / (totals + 1e-9), ratio (c + 1e-15) / (r + 1e-9)).

CIDEr-D (df mode "corpus", n = 1..4, sigma = 6):
  * df(g) = number of images whose reference SET contains g; idf(g) = log(I) - log(max(1, df(g)));
  * TF-IDF vector per order: tf * idf; norm of the unclipped vector;
  * sim_n = sum_g min(c_g, r_g) * r_g / (|c| |r|)  (0 if a norm is 0)  * exp(-(l_c - l_r)^2 / (2 sigma^2)),
    l = number of bigrams (as pycocoevalcap's counts2vec counts its "length");
  * image score = 10 * mean_n( sum_refs sim_n / #refs ); corpus score = mean over images.
"""
import json
import math
import os
import unicodedata
from collections import Counter
from fractions import Fraction

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'metrics', 'test', 'fixtures', 'captions.json')
MAX_N = 4
SIGMA = 6.0


def tokenize(text):
    kept = ''.join(ch for ch in text.lower() if not unicodedata.category(ch).startswith('P'))
    return kept.split()


def ngrams(tokens, n):
    return Counter(zip(*(tokens[i:] for i in range(n))))


# ---------------------------------------------------------------------------------------------- BLEU

def bleu_statistics(cands, refsets):
    matches = [0] * MAX_N
    totals = [0] * MAX_N
    c_len = 0
    r_len = 0
    for cand, refs in zip(cands, refsets):
        c_len += len(cand)
        r_len += sorted(refs, key=lambda ref: (abs(len(ref) - len(cand)), len(ref)))[0].__len__()
        for n in range(1, MAX_N + 1):
            cand_counts = ngrams(cand, n)
            ceiling = Counter()
            for ref in refs:
                ceiling |= ngrams(ref, n)  # Counter union = element-wise max
            matches[n - 1] += sum(min(k, ceiling[g]) for g, k in cand_counts.items())
            totals[n - 1] += max(0, len(cand) - n + 1)
    return matches, totals, c_len, r_len


def bleu_exact(matches, totals, c_len, r_len):
    precisions = [Fraction(m, t) if t > 0 else Fraction(0) for m, t in zip(matches, totals)]
    if c_len > r_len:
        bp = 1.0
    elif c_len == 0:
        bp = 0.0
    else:
        bp = math.exp(1 - r_len / c_len)
    cumulative = []
    for n in range(1, MAX_N + 1):
        product = Fraction(1)
        for p in precisions[:n]:
            product *= p
        cumulative.append(0.0 if product == 0 else bp * float(product) ** (1.0 / n))
    return {
        'bleu': cumulative[-1],
        'cumulative': cumulative,
        'precisions': [float(p) for p in precisions],
        'brevityPenalty': bp,
    }


def bleu_pycocoevalcap(matches, totals, c_len, r_len):
    tiny, small = 1e-15, 1e-9
    ratio = (c_len + tiny) / (r_len + small)
    bp = math.exp(1 - 1 / ratio) if ratio < 1 else 1.0
    cumulative = []
    product = 1.0
    for n in range(MAX_N):
        product *= (matches[n] + tiny) / (totals[n] + small)
        cumulative.append(product ** (1.0 / (n + 1)) * bp)
    return {'bleu': cumulative[-1], 'cumulative': cumulative, 'brevityPenalty': bp}


# ------------------------------------------------------------------------------------------- CIDEr-D

def all_ngrams(tokens):
    counts = Counter()
    for n in range(1, MAX_N + 1):
        counts.update(ngrams(tokens, n))
    return counts


def cider_d(cands, refsets):
    images = len(cands)
    df = Counter()
    for refs in refsets:
        df.update(set(g for ref in refs for g in all_ngrams(ref)))
    log_images = math.log(images)

    def weights(tokens):
        by_order = [dict() for _ in range(MAX_N)]
        for g, tf in all_ngrams(tokens).items():
            by_order[len(g) - 1][g] = tf * (log_images - math.log(max(1.0, df[g])))
        norms = [math.sqrt(sum(w * w for w in d.values())) for d in by_order]
        bigrams = max(0, len(tokens) - 1)
        return by_order, norms, bigrams

    per_image = []
    for cand, refs in zip(cands, refsets):
        cw, cn, cl = weights(cand)
        total = [0.0] * MAX_N
        for ref in refs:
            rw, rn, rl = weights(ref)
            penalty = math.exp(-((cl - rl) ** 2) / (2 * SIGMA ** 2))
            for n in range(MAX_N):
                dot = sum(min(w, rw[n].get(g, 0.0)) * rw[n].get(g, 0.0) for g, w in cw[n].items())
                if cn[n] > 0 and rn[n] > 0:
                    dot /= cn[n] * rn[n]
                total[n] += dot * penalty
        per_image.append(10.0 * sum(t / len(refs) for t in total) / MAX_N)
    return {'score': sum(per_image) / len(per_image), 'perImage': per_image}


# ------------------------------------------------------------------------------------------- corpora

def lcg(seed):
    state = seed
    while True:
        state = (1103515245 * state + 12345) % (2 ** 31)
        yield state


def generated_corpus(seed, images, vocabulary):
    rand = lcg(seed)

    def sentence(min_len):
        length = min_len + next(rand) % (13 - min_len)
        return ' '.join(vocabulary[next(rand) % len(vocabulary)] for _ in range(length))

    cands, refs = [], []
    for _ in range(images):
        cands.append(sentence(0))
        refs.append([sentence(1) for _ in range(1 + next(rand) % 5)])
    return cands, refs


CORPORA = [
    {
        'name': 'hand: one image, two references',
        'candidates': ['The cat sat on the mat.'],
        'references': [['the cat sat on a mat', 'A cat is on the mat today!']],
    },
    {
        'name': 'coco-like: four images, punctuation and capitals',
        'candidates': [
            'A man riding a wave on top of a surfboard.',
            'A plate of food with broccoli and rice',
            'Two dogs playing with a frisbee in the park.',
            'A red double-decker bus driving down the street',
        ],
        'references': [
            ['A man riding a wave on a surfboard.', 'A surfer rides a large wave in the ocean.',
             'A person on a surfboard riding a wave!', 'Man on his surfboard, riding a big wave.'],
            ['A plate with rice, broccoli and chicken.', 'Some food on a white plate.',
             'A plate of food that includes broccoli and rice.'],
            ['Two dogs play with a frisbee on the grass.', 'A couple of dogs running in a park',
             'Dogs chasing a frisbee in a park.', "The dog's frisbee is in the park's grass."],
            ['A red bus drives down the street.', 'A double decker bus on a city street.',
             'The red double-decker bus is driving on the road.'],
        ],
    },
    {
        'name': 'brevity: candidates shorter than references',
        'candidates': ['a dog runs', 'people at the beach', 'a small kitchen with a stove'],
        'references': [
            ['a brown dog runs across the green field', 'a dog runs through the grass quickly'],
            ['people standing at the beach near the water', 'a group of people at the beach'],
            ['a small kitchen with a white stove and sink', 'a tiny kitchen with a stove'],
        ],
    },
    {
        'name': 'no 4-gram matches (exact BLEU-4 is 0)',
        'candidates': ['a cat on a mat', 'the sky is blue'],
        'references': [['a cat sits on a mat'], ['the blue sky is clear', 'sky is very blue']],
    },
    {
        'name': 'closest reference length ties, empty caption and repeated words',
        'candidates': ['the the the the the', '...', 'a b c d e f g'],
        'references': [
            ['the cat the', 'the the dog sat here now'],
            ['something here', 'and something else here'],
            ['a b c d e f', 'a b c d e f g h', 'x y'],
        ],
    },
    dict(zip(('name', 'candidates', 'references'),
             ('generated: 40 images, 12-word vocabulary',) + generated_corpus(
                 20240607, 40, ['a', 'the', 'man', 'dog', 'on', 'in', 'red', 'street', 'with', 'is', 'sitting', 'ball']))),
]


def main():
    cases = []
    for corpus in CORPORA:
        cands = [tokenize(c) for c in corpus['candidates']]
        refsets = [[tokenize(r) for r in refs] for refs in corpus['references']]
        matches, totals, c_len, r_len = bleu_statistics(cands, refsets)
        exact = bleu_exact(matches, totals, c_len, r_len)
        exact.update({'matches': matches, 'totals': totals, 'candidateLength': c_len, 'referenceLength': r_len})
        cases.append({
            'name': corpus['name'],
            'candidates': corpus['candidates'],
            'references': corpus['references'],
            'bleu': exact,
            'bleuPycocoevalcap': bleu_pycocoevalcap(matches, totals, c_len, r_len),
            'ciderD': cider_d(cands, refsets),
        })
        try:  # optional cross-check of BLEU with nltk (Debian python3-nltk), never required
            from nltk.translate.bleu_score import corpus_bleu
            ref = corpus_bleu(refsets, cands)
            assert abs(ref - exact['bleu']) < 1e-12, (corpus['name'], ref, exact['bleu'])
        except ImportError:
            pass
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'tools/golden/captions.py', 'cases': cases}, f, indent=1)
        f.write('\n')
    for case in cases:
        print(f"{case['name']}: BLEU-4 {case['bleu']['bleu']:.6f} (pycocoevalcap {case['bleuPycocoevalcap']['bleu']:.6f}), "
              f"CIDEr-D {case['ciderD']['score']:.6f}")
    print(f'wrote {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
