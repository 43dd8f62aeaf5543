import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { BIASED_PROPOSAL_CONFIG, DEFAULT_PROPOSAL_CONFIG } from '../proposals/proposal-config.js';
import { proposals } from '../proposals/proposals.js';
import { generateScene } from './generate-scene.js';
import { loadMnistItemSource } from './mnist-item-source.js';
import { proposalKeys, sceneBatch } from './scene-batch.js';
import { SceneSet } from './scene-set.js';

const source = await loadMnistItemSource();
const sceneConfig = { novelClasses: [9] };
const set = new SceneSet({
  source,
  size: 100,
  seed: 4,
  scene: sceneConfig,
  proposals: { '': DEFAULT_PROPOSAL_CONFIG, student: BIASED_PROPOSAL_CONFIG },
});

describe('SceneSet', () => {
  it('serves generateScene(source, config, seed, i) and seeded proposals per source', () => {
    expect(set.get(17)).toEqual(generateScene(source, sceneConfig, 4, 17));
    expect(set.proposals(17)).toEqual(
      proposals(set.get(17), DEFAULT_PROPOSAL_CONFIG, deriveSeed(4, 'proposal-source', '')),
    );
    expect(set.proposals(17, 'student')).toEqual(
      proposals(set.get(17), BIASED_PROPOSAL_CONFIG, deriveSeed(4, 'proposal-source', 'student')),
    );
    expect([...set.allProposals(17).keys()]).toEqual(['', 'student']);
    expect(set.allProposals(17).get('student')).toEqual(set.proposals(17, 'student'));
    expect(set.numClasses).toBe(10);
    expect(set.answerVocabulary.answers.slice(0, 4)).toEqual(['no', 'yes', 'nothing', 'zero']);
    expect(() => set.get(100)).toThrow(/index 100 out of range \[0, 100\)/);
    expect(() => set.get(1.5)).toThrow(/out of range/);
    expect(() => set.proposals(0, 'teacher')).toThrow(/no proposal source 'teacher' \(has: '', 'student'\)/);
  });

  it('caches up to cacheSize scenes, least recently used first out', () => {
    const cached = new SceneSet({ source, size: 10, seed: 1, cacheSize: 2 });
    const a = cached.get(0);
    expect(cached.get(0)).toBe(a);
    cached.get(1);
    cached.get(0); // 0 is now the most recent
    cached.get(2); // evicts 1
    expect(cached.get(0)).toBe(a);
    const b = cached.get(1);
    expect(b).toEqual(generateScene(source, {}, 1, 1));
    expect(cached.proposals(1)).toBe(cached.proposals(1));
    const uncached = new SceneSet({ source, size: 10, seed: 1 });
    expect(uncached.get(0)).not.toBe(uncached.get(0));
    expect(uncached.get(0)).toEqual(a);
    expect(() => new SceneSet({ source, size: 10, seed: 1, cacheSize: -1 })).toThrow(/cacheSize/);
  });

  it('builds batches with the documented keys, shapes, dtypes and padding', async () => {
    const indices = [5, 0, 42];
    const batch = set.batch(indices);
    const relationKeys = [
      'fullBoxes',
      'fullBoxClasses',
      'fullBoxCount',
      'pairs',
      'pairMask',
      'pairPredicate',
      'pairPredicates',
      'pairQuery',
      'pairTruth',
      'objectsProposals',
      'objectsProposalScores',
      'objectsProposalMask',
    ];
    const keys = [
      'x',
      'y',
      'boxes',
      'boxClasses',
      'boxCount',
      'proposals',
      'proposalScores',
      'proposalMask',
      'studentProposals',
      'studentProposalScores',
      'studentProposalMask',
      'index',
      ...relationKeys,
    ];
    expect(Object.keys(batch).sort()).toEqual([...keys].sort());
    const shapes = Object.fromEntries(
      Object.entries(batch)
        .filter(([k]) => !relationKeys.includes(k))
        .map(([k, t]) => [k, [t!.shape, t!.dtype]]),
    );
    expect(shapes).toEqual({
      x: [[3, 64, 64, 1], 'float32'],
      y: [[3, 10], 'float32'],
      boxes: [[3, 4, 4], 'float32'],
      boxClasses: [[3, 4], 'int32'],
      boxCount: [[3], 'int32'],
      proposals: [[3, 32, 4], 'float32'],
      proposalScores: [[3, 32], 'float32'],
      proposalMask: [[3, 32], 'float32'],
      studentProposals: [[3, 32, 4], 'float32'],
      studentProposalScores: [[3, 32], 'float32'],
      studentProposalMask: [[3, 32], 'float32'],
      index: [[3], 'int32'],
    });
    const x = await batch.x.data();
    const y = await batch['y']!.data();
    const boxes = await batch['boxes']!.data();
    const boxClasses = await batch['boxClasses']!.data();
    const boxCount = await batch['boxCount']!.data();
    const props = await batch['studentProposals']!.data();
    const scores = await batch['studentProposalScores']!.data();
    const mask = await batch['studentProposalMask']!.data();
    expect(Array.from(await batch.index!.data())).toEqual(indices);
    indices.forEach((idx, b) => {
      const s = set.get(idx);
      expect(x.subarray(b * 4096, (b + 1) * 4096)).toEqual(s.image);
      expect(Array.from(y.subarray(b * 10, (b + 1) * 10))).toEqual(Array.from(s.labels));
      expect(boxCount[b]).toBe(s.objects.length);
      for (let j = 0; j < 4; j++) {
        const o = s.objects[j];
        expect(boxClasses[b * 4 + j]).toBe(o ? o.classId : -1);
        expect(Array.from(boxes.subarray((b * 4 + j) * 4, (b * 4 + j + 1) * 4))).toEqual(o ? [...o.box] : [0, 0, 0, 0]);
      }
      const p = set.proposals(idx, 'student');
      expect(props.subarray(b * 128, b * 128 + p.count * 4)).toEqual(p.boxes);
      expect(scores.subarray(b * 32, b * 32 + p.count)).toEqual(p.scores);
      expect(Array.from(mask.subarray(b * 32, (b + 1) * 32))).toEqual(
        Array.from({ length: 32 }, (_, k) => (k < p.count ? 1 : 0)),
      );
    });
    tf.dispose(Object.values(batch));
  });

  it('uses base annotations by default and the full ones on request', async () => {
    // find a scene with a novel object (class 9)
    const idx = Array.from({ length: 100 }, (_, i) => i).find((i) => set.get(i).full.objects.some((o) => o.novel))!;
    expect(idx).toBeDefined();
    const s = set.get(idx);
    const base = set.batch([idx]);
    const full = set.batch([idx], { annotations: 'full' });
    expect((await base['boxCount']!.data())[0]).toBe(s.objects.length);
    expect((await full['boxCount']!.data())[0]).toBe(s.full.objects.length);
    expect((await base['y']!.data())[9]).toBe(0);
    expect((await full['y']!.data())[9]).toBe(1);
    expect(Array.from(await full['boxClasses']!.data())).toContain(9);
    expect(Array.from(await base['boxClasses']!.data())).not.toContain(9);
    tf.dispose([...Object.values(base), ...Object.values(full)]);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(set.batch([i, i + 1, i + 2, i + 3])));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => sceneBatch([set.get(0)], { numClasses: 10, maxObjects: 0 })).toThrow(/more than maxObjects 0/);
    expect(tf.memory().numTensors).toBe(before);
    const p = set.proposals(0);
    expect(() =>
      sceneBatch([set.get(0)], { numClasses: 10, maxObjects: 4, proposals: { '': { perScene: [p, p], topK: 32 } } }),
    ).toThrow(/2 entries for 1 scenes/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('omits proposal keys without proposal sources and names extra sources by prefix', () => {
    const plain = new SceneSet({ source, size: 3, seed: 1, proposals: {} });
    const batch = plain.batch([0, 1]);
    expect(
      Object.keys(batch)
        .filter((k) => !/Proposal|^full|^pair/.test(k))
        .sort(),
    ).toEqual(['boxClasses', 'boxCount', 'boxes', 'index', 'x', 'y']);
    expect(
      Object.keys(batch)
        .filter((k) => /Proposal/.test(k))
        .sort(),
    ).toEqual(['objectsProposalMask', 'objectsProposalScores', 'objectsProposals']);
    tf.dispose(Object.values(batch));
    expect(proposalKeys('')).toEqual({ boxes: 'proposals', scores: 'proposalScores', mask: 'proposalMask' });
    expect(proposalKeys('teacher')).toEqual({
      boxes: 'teacherProposals',
      scores: 'teacherProposalScores',
      mask: 'teacherProposalMask',
    });
    expect(() => new SceneSet({ source, size: 3, seed: 1, proposals: { 'a-b': DEFAULT_PROPOSAL_CONFIG } })).toThrow(
      /alphanumeric/,
    );
    expect(() => new SceneSet({ source, size: 3, seed: 1, proposals: { objects: DEFAULT_PROPOSAL_CONFIG } })).toThrow(
      /reserved/,
    );
  });
});
