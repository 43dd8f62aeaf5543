import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TappedModel } from '@kd/core';
import { architectures } from './architectures/index.js';
import { build } from '../test/helpers.js';

// Printed by tools/torch_twins.py (PyTorch 1.13 twins; 10 classes; conv + BN weight/bias + fc).
const reference = JSON.parse(readFileSync(new URL('../tools/param-counts.json', import.meta.url), 'utf8')) as {
  numClasses: number;
  counts: Record<string, { in3: number; in1: number }>;
};

describe('parameter counts match the PyTorch twins', () => {
  const built: TappedModel[] = [];
  afterAll(() => built.forEach((m) => m.dispose()));

  it('resnet20 (width 16, 10 classes) has exactly 272,474 parameters', () => {
    const arch = architectures.find((a) => a.id === 'resnet20')!;
    const m = build(arch, [32, 32, 3]);
    built.push(m);
    expect(m.paramCount()).toBe(272_474);
    expect(reference.counts.resnet20!.in3).toBe(272_474);
  });

  for (const id of [
    'resnet8',
    'resnet14',
    'resnet20',
    'resnet32',
    'resnet56',
    'resnet8x4',
    'resnet32x4',
    'wrn-16-2',
    'wrn-40-2',
    'cnn',
  ]) {
    it(`${id} at 3 and 1 input channels`, () => {
      const arch = architectures.find((a) => a.id === id)!;
      const ref = reference.counts[id]!;
      const rgb = build(arch, [8, 8, 3], {}, 1, reference.numClasses);
      const gray = build(arch, [8, 8, 1], {}, 1, reference.numClasses);
      built.push(rgb, gray);
      expect(rgb.paramCount()).toBe(ref.in3);
      expect(gray.paramCount()).toBe(ref.in1);
    });
  }

  it('generic ids agree with the named ones', () => {
    const generic = architectures.find((a) => a.id === 'resnet')!;
    const wrn = architectures.find((a) => a.id === 'wrn')!;
    const r = build(generic, [8, 8, 3], { depth: 32, width: [32, 64, 128, 256] });
    const w = build(wrn, [8, 8, 3], { depth: 40, widen: 2 });
    built.push(r, w);
    expect(r.paramCount()).toBe(reference.counts.resnet32x4!.in3);
    expect(w.paramCount()).toBe(reference.counts['wrn-40-2']!.in3);
    expect(w.arch).toBe('wrn-40-2');
  });
});
