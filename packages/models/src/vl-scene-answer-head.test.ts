import * as tf from '@tensorflow/tfjs';
import { ANSWER_VOCABULARY, ConfigError, facetEntry, facets, type DataInfo, type DataText } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import type { VlSceneModel } from './vl-scene-model.js';

const arch = architectures.find((a) => a.id === 'vl-scene')!;
const text: DataText = {
  vocabSize: 14,
  length: 6,
  classPrompts: { prompts: 1, ids: new Int32Array(18), mask: new Float32Array(18) },
};
const base: DataInfo = { name: 'scenes', inputShape: [16, 16, 1], numClasses: 3, classNames: ['a', 'b', 'c'], text };
const options = { width: 4, regions: 3, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16 };
const build = (data: DataInfo, head?: string) =>
  arch.build({
    inputShape: [16, 16, 1],
    numClasses: 3,
    seed: 1,
    data,
    options: { ...options, ...(head ? { head } : {}) },
  }) as VlSceneModel;

describe("vl-scene options.head: the [CLS] head over the classes or the dataset's answers", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const models: VlSceneModel[] = [];
  afterAll(() => models.forEach((m) => m.dispose()));

  it("'classes' (default): numClasses logits, no facet needed", () => {
    const m = build(base);
    models.push(m);
    expect(m.tapSpecs()['logits']!.shape).toEqual([3]);
    expect(m.requiredFacets()).toEqual([]);
  });

  it("'answers': one logit per answer of the ANSWER_VOCABULARY facet, which the model declares it needs", () => {
    const data = { ...base, facets: facets(facetEntry(ANSWER_VOCABULARY, ['no', 'yes', 'nothing', 'zero', 'one'])) };
    const m = build(data, 'answers');
    models.push(m);
    expect(m.tapSpecs()['logits']!.shape).toEqual([5]);
    expect(m.transformer.cls.outFeatures).toBe(5);
    expect(m.requiredFacets()).toEqual([ANSWER_VOCABULARY]);
  });

  it("'answers' on data without answers is a one-line config error naming the option", () => {
    const e = (() => {
      try {
        build(base, 'answers');
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e!.message).toMatch(
      /^config field 'options\.head': .*dataset 'scenes' has none \(use data\.dataset: scene-vqa\)$/,
    );
    expect(e!.message).not.toContain('\n');
  });
});
