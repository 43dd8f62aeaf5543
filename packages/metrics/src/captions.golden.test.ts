/** Golden values from the independent Python reference (tools/golden/captions.py), ≤ 1e-9 absolute. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu.js';
import { ciderD } from './cider-d.js';

interface GoldenCase {
  name: string;
  candidates: string[];
  references: string[][];
  bleu: {
    bleu: number;
    cumulative: number[];
    precisions: number[];
    brevityPenalty: number;
    matches: number[];
    totals: number[];
    candidateLength: number;
    referenceLength: number;
  };
  bleuPycocoevalcap: { bleu: number; cumulative: number[]; brevityPenalty: number };
  ciderD: { score: number; perImage: number[] };
}

const golden = JSON.parse(readFileSync(new URL('../test/fixtures/captions.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
};
const TOL = 1e-9;

function expectClose(actual: readonly number[] | Float64Array, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThanOrEqual(TOL));
}

describe('caption metrics match tools/golden/captions.py', () => {
  it('has the expected cases', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of golden.cases) {
    it(`BLEU: ${c.name}`, () => {
      const r = corpusBleu(c.candidates, c.references);
      expect(r.matches).toEqual(c.bleu.matches);
      expect(r.totals).toEqual(c.bleu.totals);
      expect([r.candidateLength, r.referenceLength]).toEqual([c.bleu.candidateLength, c.bleu.referenceLength]);
      expectClose(r.precisions, c.bleu.precisions);
      expectClose([r.brevityPenalty], [c.bleu.brevityPenalty]);
      expectClose(r.cumulative, c.bleu.cumulative);
      expectClose([r.bleu], [c.bleu.bleu]);
    });

    it(`BLEU with pycocoevalcap's guards: ${c.name}`, () => {
      const r = corpusBleu(c.candidates, c.references, { epsilon: 'pycocoevalcap' });
      expectClose(r.cumulative, c.bleuPycocoevalcap.cumulative);
      expectClose([r.brevityPenalty], [c.bleuPycocoevalcap.brevityPenalty]);
    });

    it(`CIDEr-D: ${c.name}`, () => {
      const r = ciderD(c.candidates, c.references);
      expectClose(r.perImage, c.ciderD.perImage);
      expectClose([r.score], [c.ciderD.score]);
    });
  }
});
