import { ArrayDataset } from '@kd/data';
import { describe, expect, it } from 'vitest';
import { arraySplitSamples } from './array-split-samples.js';
import { TemplateCaptioner } from './template-captioner.js';

describe('arraySplitSamples', () => {
  it('yields raw pixels, labels and source ids of a split, ready to caption', () => {
    const images = new Float32Array(4 * 4 * 4 * 1);
    for (let n = 0; n < 4; n++) images[n * 16 + n * 5] = 0.25 * (n + 1); // one lit pixel on the diagonal
    const ds = new ArrayDataset(
      {
        info: {
          name: 'tiny',
          inputShape: [4, 4, 1],
          numClasses: 10,
          classNames: Array.from({ length: 10 }, (_, d) => String(d)),
        },
        images,
        labels: Int32Array.of(3, 1, 4, 1),
      },
      {
        splits: { train: Int32Array.of(2, 0), val: Int32Array.of(1), test: Int32Array.of(3) },
        normalization: { mean: [0.5], std: [0.25] },
      },
    );
    const samples = arraySplitSamples(ds.split('train'), ds.inputShape);
    expect(samples.map((s) => [s.index, s.id, s.label])).toEqual([
      [0, 2, 4],
      [1, 0, 3],
    ]);
    expect(samples[0]!.image!.shape).toEqual([4, 4, 1]);
    expect(samples[0]!.image!.data[10]).toBeCloseTo(0.75); // raw, not normalised
    const cap = new TemplateCaptioner({ seed: 0, knowledge: 'mnist', dropProbability: 0, perturbProbability: 0 });
    expect(cap.captions(samples[1]!).general[0]).toContain('near the top left');
    expect(cap.captions(samples[0]!).targeted[0]).toContain('4');
  });
});
