import { Rng } from '@kd/core';
import { FASHION_MNIST_CLASSES } from '@kd/data';
import { describe, expect, it } from 'vitest';
import { attributeWords } from './attribute-words.js';
import { validateKnowledgeTable } from './class-knowledge.js';
import { FASHION_MNIST_KNOWLEDGE } from './fashion-mnist-knowledge.js';
import { EMPTY_IMAGE_CAPTION, generalCaption } from './general-caption.js';
import { measureImageAttributes } from './image-attributes.js';
import { MNIST_KNOWLEDGE } from './mnist-knowledge.js';
import { indefiniteArticle } from './targeted-captions.js';
import { TemplateCaptioner } from './template-captioner.js';
import { rectImage } from './test-images.js';

const digits = Array.from({ length: 10 }, (_, d) => String(d));

describe('knowledge tables', () => {
  it('cover the MNIST digits and Fashion-MNIST classes in dataset order', () => {
    expect(() => validateKnowledgeTable(MNIST_KNOWLEDGE, digits)).not.toThrow();
    expect(() => validateKnowledgeTable(FASHION_MNIST_KNOWLEDGE, FASHION_MNIST_CLASSES)).not.toThrow();
    for (const k of [...MNIST_KNOWLEDGE, ...FASHION_MNIST_KNOWLEDGE]) {
      for (const f of ['synonyms', 'parts', 'appearance', 'contrast'] as const)
        expect(k[f].length, `${k.className}.${f}`).toBeGreaterThanOrEqual(2);
    }
  });

  it('rejects a table whose confusable class is missing or whose order differs', () => {
    const bad = [{ ...MNIST_KNOWLEDGE[0]!, confusable: 'Q' }, MNIST_KNOWLEDGE[1]!];
    expect(() => validateKnowledgeTable(bad)).toThrow(/confusable class 'Q'/);
    expect(() => validateKnowledgeTable(MNIST_KNOWLEDGE, [...digits].reverse())).toThrow(/entry 0 is '0'/);
  });
});

describe('TemplateCaptioner', () => {
  const square = rectImage(28, 9, 9, 18, 18);

  it('is deterministic per (seed, sample) and varies with either', () => {
    const a = new TemplateCaptioner({ seed: 1, knowledge: 'mnist' });
    const b = new TemplateCaptioner({ seed: 1, knowledge: 'mnist' });
    const s = (index: number) => ({ index, label: 3, image: square });
    expect(b.captions(s(5))).toEqual(a.captions(s(5)));
    const texts = (c: TemplateCaptioner, i: number) => JSON.stringify(c.captions(s(i)));
    const bySample = new Set(Array.from({ length: 20 }, (_, i) => texts(a, i)));
    const c = new TemplateCaptioner({ seed: 2, knowledge: 'mnist' });
    const bySeed = Array.from({ length: 20 }, (_, i) => texts(c, i));
    expect(bySample.size).toBeGreaterThan(5);
    expect(bySeed.filter((t, i) => t !== texts(a, i)).length).toBeGreaterThan(5);
  });

  it('gives T1 with the class name and T4 with the confusable class', () => {
    const cap = new TemplateCaptioner({ seed: 7, knowledge: 'fashion-mnist', classNames: FASHION_MNIST_CLASSES });
    for (let label = 0; label < 10; label++) {
      for (let index = 0; index < 5; index++) {
        const { targeted } = cap.captions({ index, label });
        const k = FASHION_MNIST_KNOWLEDGE[label]!;
        expect(targeted).toHaveLength(4);
        expect(targeted[0]).toContain(k.className);
        expect(targeted[3]).toContain(k.confusable);
        expect(k.contrast.some((p) => targeted[3]!.includes(p))).toBe(true);
        expect(k.parts.some((p) => targeted[1]!.includes(p))).toBe(true);
        expect(k.appearance.some((p) => targeted[2]!.includes(p))).toBe(true);
      }
    }
    const seven = new TemplateCaptioner({ seed: 0, knowledge: 'mnist' }).captions({ index: 0, label: 7 }).targeted;
    expect(seven[0]).toContain('7');
    expect(seven[3]).toContain('1');
  });

  it('describes the measured image in the general caption', () => {
    const cap = new TemplateCaptioner({ seed: 3, knowledge: 'mnist', dropProbability: 0, perturbProbability: 0 });
    const corner = cap.captions({ index: 0, label: 0, image: rectImage(28, 0, 0, 3, 3) }).general[0]!;
    expect(corner).toContain('near the top left');
    expect(corner).toContain('small');
    const bar = cap.captions({ index: 0, label: 1, image: rectImage(28, 12, 2, 14, 25) }).general[0]!;
    expect(bar).toContain('vertical');
    expect(bar).toContain('in the centre');
    expect(bar).toContain('large');
    expect(cap.captions({ index: 0, label: 1 }).general).toEqual([]);
  });

  it('drops and perturbs attributes at about the configured rates', () => {
    const words = attributeWords(measureImageAttributes(square.data, square.shape));
    // square: 6 facts (size, brightness, thickness, texture, position; no orientation)
    const countFacts = (s: string) => s.split(': ')[1]!.split(', ').length;
    let kept = 0;
    const n = 400;
    for (let i = 0; i < n; i++)
      kept += countFacts(generalCaption(words, new Rng(i), { dropProbability: 0.5, perturbProbability: 0 }));
    expect(kept / n).toBeGreaterThan(2.5 - 0.4);
    expect(kept / n).toBeLessThan(2.5 + 0.4);
    let moved = 0;
    for (let i = 0; i < n; i++)
      if (!generalCaption(words, new Rng(i), { dropProbability: 0, perturbProbability: 1 }).includes('in the centre'))
        moved++;
    expect(moved).toBe(n);
    expect(generalCaption(attributeWords(measureImageAttributes(new Float32Array(4), [2, 2, 1])), new Rng(0))).toBe(
      EMPTY_IMAGE_CAPTION,
    );
  });

  it('rejects unknown tables and labels', () => {
    expect(() => new TemplateCaptioner({ seed: 0, knowledge: 'cifar' })).toThrow(/unknown knowledge table 'cifar'/);
    expect(() => new TemplateCaptioner({ seed: 0, knowledge: 'mnist' }).captions({ index: 4, label: 10 })).toThrow(
      /label 10 of sample 4/,
    );
  });

  it('chooses the article by sound', () => {
    expect(['Ankle boot', '8', 'Sandal', '1'].map(indefiniteArticle)).toEqual(['an', 'an', 'a', 'a']);
  });
});
