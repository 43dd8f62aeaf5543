import { Rng } from '@kd/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleRegions } from './region-sampling.js';

/** torchvision's BalancedPositiveNegativeSampler on the same labels (tools/golden/roi_sampling.py). */
const golden = JSON.parse(readFileSync(new URL('../__fixtures__/roi-sampling.golden.json', import.meta.url), 'utf8'));

interface Case {
  labels: number[];
  perImage: number;
  foregroundFraction: number;
  foreground: number;
  background: number;
  drawn: number[];
}

describe('RoI / anchor sampling rules against torchvision', () => {
  it.each(
    (golden.cases as Case[]).map((c) => [`${c.labels.length} labels, ${c.perImage} at ${c.foregroundFraction}`, c]),
  )('%s: as many foreground and background regions, from the same candidates, never an ignored one', (_, c) => {
    const labels = Int32Array.from(c.labels);
    const drawn = new Set<number>();
    for (let seed = 0; seed < 300; seed++) {
      const s = Array.from(sampleRegions(labels, c.perImage, c.foregroundFraction, new Rng(seed)));
      expect(new Set(s).size).toBe(s.length);
      expect(s.filter((r) => labels[r]! >= 1)).toHaveLength(c.foreground);
      expect(s.filter((r) => labels[r] === 0)).toHaveLength(c.background);
      expect(s.filter((r) => labels[r]! < 0)).toHaveLength(0);
      s.forEach((r) => drawn.add(r));
    }
    expect([...drawn].sort((a, b) => a - b)).toEqual(c.drawn);
  });
});
