import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../mnist/mnist-provider.js';
import { EDGE_PROPOSAL_CONFIG } from '../proposals/proposal-config.js';
import { proposals } from '../proposals/proposals.js';
import { DEFAULT_SPLIT_SEED } from '../split.js';
import { loadScenes } from './scene-dataset.js';
import { PREDICATES } from './spatial-relations.js';
import { ANSWER_VOCABULARY, BASE_NOVEL_CLASSES, PREDICATE_NAMES, deriveSeed, facetOf, type Batch } from '@kd/core';

describe('scenes as a dataset', () => {
  it('splits the items first: every object of a split comes from that split of MNIST', async () => {
    const ds = await loadScenes({ train: 30, val: 10, test: 10 });
    const items = await loadMnist({ normalize: false });
    for (const name of ['train', 'val', 'test'] as const) {
      const pool = new Set(items.split(name).sourceIndices);
      const split = ds.split(name);
      for (let i = 0; i < split.size; i++)
        for (const o of split.scenes.get(i).full.objects) expect(pool.has(o.itemIndex)).toBe(true);
    }
    expect(ds.name).toBe('scenes-mnist');
    expect(ds.inputShape).toEqual([64, 64, 1]);
  });

  it('batches carry exactly the declared keys (shapes, dtypes); scenes have no single label', async () => {
    const ds = await loadScenes({ train: 4, val: 1, test: 1, novelClasses: [9] });
    const split = ds.split('train');
    expect(split.labels).toBeUndefined();
    const before = tf.memory().numTensors;
    const b = split.batch(Int32Array.from([0, 1, 2]));
    expect(Object.keys(b).sort()).toEqual(Object.keys(ds.batchKeys).sort());
    for (const [key, spec] of Object.entries(ds.batchKeys)) {
      expect(b[key]!.shape, key).toEqual([3, ...spec.shape]);
      expect(b[key]!.dtype, key).toBe(spec.dtype);
    }
    expect(b.y!.shape).toEqual([3, 10]);
    expect(Array.from(b.boxClasses!.dataSync()).includes(9)).toBe(false); // novel class never annotated
    const scenes = [0, 1, 2].map((i) => split.scenes.get(i));
    // full annotations keep the novel objects; pairs are every ordered pair of annotated objects
    expect(Array.from(b.fullBoxCount!.dataSync())).toEqual(scenes.map((s) => s.full.objects.length));
    const q = 4 * 3;
    const pairMask = b.pairMask!.dataSync();
    const primary = b.pairPredicate!.dataSync();
    const all = b.pairPredicates!.dataSync();
    const pairs = b.pairs!.dataSync();
    const query = b.pairQuery!.dataSync();
    const truth = b.pairTruth!.dataSync();
    scenes.forEach((s, i) => {
      expect(Array.from(pairMask.subarray(i * q, (i + 1) * q)).reduce((a, v) => a + v, 0)).toBe(s.relations.length);
      s.relations.forEach((r, j) => {
        expect([pairs[(i * q + j) * 2], pairs[(i * q + j) * 2 + 1]]).toEqual([r.subject, r.object]);
        expect(PREDICATES[primary[i * q + j]!]).toBe(r.primary);
        expect(PREDICATES.filter((_, k) => all[(i * q + j) * PREDICATES.length + k] === 1)).toEqual(r.predicates);
        // the query's truth is whether its predicate holds for the pair
        const asked = query[i * q + j]!;
        expect(PREDICATES[asked]).toBe(s.queries[j]!.predicate);
        expect(truth[i * q + j]).toBe(all[(i * q + j) * PREDICATES.length + asked]);
      });
      for (let j = s.relations.length; j < q; j++) expect([query[i * q + j], truth[i * q + j]]).toEqual([-1, 0]);
    });
    expect(Array.from(b.objectsProposals!.dataSync())).toEqual(Array.from(b.boxes!.dataSync()));
    tf.dispose(Object.values(b) as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("relationPairs 'near': only near or overlapping pairs keep their predicates, the others are real pairs without one (background)", async () => {
    const dense = (await loadScenes({ train: 20, val: 1, test: 1 })).split('train');
    const sparse = (await loadScenes({ train: 20, val: 1, test: 1, relationPairs: 'near' })).split('train');
    const idx = Int32Array.from({ length: 20 }, (_, i) => i);
    const [a, b] = [dense.batch(idx), sparse.batch(idx)];
    const n = PREDICATES.length;
    const near = PREDICATES.indexOf('near');
    const overlapping = PREDICATES.indexOf('overlapping');
    const [mask, allA, allB, primA, primB] = [
      a.pairMask!.dataSync(),
      a.pairPredicates!.dataSync(),
      b.pairPredicates!.dataSync(),
      a.pairPredicate!.dataSync(),
      b.pairPredicate!.dataSync(),
    ];
    let background = 0;
    let annotated = 0;
    for (let s = 0; s < mask.length; s++) {
      if (mask[s] !== 1) continue;
      const row = (t: ArrayLike<number>) => Array.from({ length: n }, (_, k) => t[s * n + k]);
      const close = allA[s * n + near] === 1 || allA[s * n + overlapping] === 1;
      if (close) {
        annotated++;
        expect(row(allB)).toEqual(row(allA));
        expect(primB[s]).toBe(primA[s]);
      } else {
        background++;
        expect(row(allB).every((v) => v === 0)).toBe(true);
        expect(primB[s]).toBe(-1);
      }
    }
    expect(Array.from(b.pairMask!.dataSync())).toEqual(Array.from(mask)); // the same pairs, all real
    expect(background).toBeGreaterThan(10);
    expect(annotated).toBeGreaterThan(10);
    // the queries are the scenes' own, whatever the annotation
    expect(Array.from(b.pairQuery!.dataSync())).toEqual(Array.from(a.pairQuery!.dataSync()));
  });

  it("trainingPairs: training batches with an augmentSeed show the sampler's pairs (a new draw per seed), other batches every pair", async () => {
    const ds = await loadScenes({ train: 30, val: 4, test: 4, relationPairs: 'near', trainingPairs: 32 });
    const plain = await loadScenes({ train: 30, val: 4, test: 4, relationPairs: 'near' });
    const train = ds.split('train');
    expect(train.augments).toBe(true);
    expect(ds.split('val').augments).toBe(false);
    expect(plain.split('train').augments).toBe(false);
    const idx = Int32Array.from({ length: 30 }, (_, i) => i);
    const read = (b: Batch) => ({
      pairs: Array.from(b.pairs!.dataSync()),
      mask: Array.from(b.pairMask!.dataSync()),
      primary: Array.from(b.pairPredicate!.dataSync()),
      all: Array.from(b.pairPredicates!.dataSync()),
      query: Array.from(b.pairQuery!.dataSync()),
    });
    const batches = [train.batch(idx), plain.split('train').batch(idx), train.batch(idx, { augmentSeed: 7 })];
    const [unsampled, reference, sampled] = batches.map(read);
    expect(unsampled).toEqual(reference); // no augmentSeed: every pair, as without the option
    expect(read(plain.split('train').batch(idx, { augmentSeed: 7 }))).toEqual(reference);
    const again = train.batch(idx, { augmentSeed: 7 });
    expect(read(again)).toEqual(sampled);
    const other = train.batch(idx, { augmentSeed: 8 });
    expect(read(other).pairs).not.toEqual(sampled.pairs);
    const q = 12;
    const n = PREDICATES.length;
    let missed = 0;
    for (let i = 0; i < 30; i++) {
      const scene = train.scenes.get(i);
      const objects = scene.objects.length;
      const relation = new Map(scene.relations.map((r, j) => [`${r.subject},${r.object}`, j]));
      const shown = new Set<string>();
      let real = 0;
      for (let j = 0; j < q; j++) {
        const slot = i * q + j;
        if (sampled.mask[slot] === 0) {
          expect([sampled.primary[slot], sampled.query[slot]]).toEqual([-1, -1]);
          continue;
        }
        real++;
        const pair = `${sampled.pairs[slot * 2]},${sampled.pairs[slot * 2 + 1]}`;
        expect(shown.has(pair)).toBe(false);
        shown.add(pair);
        const r = relation.get(pair)!;
        // the pair keeps its own predicate (annotated) or none (background), and its own query:
        // those of its slot in the unsampled batch, which lists the relations in order
        const at = i * q + r;
        expect(`${reference.pairs[at * 2]},${reference.pairs[at * 2 + 1]}`).toBe(pair);
        expect(sampled.primary[slot]).toBe(reference.primary[at]);
        expect(sampled.all.slice(slot * n, (slot + 1) * n)).toEqual(reference.all.slice(at * n, (at + 1) * n));
        expect(sampled.query[slot]).toBe(reference.query[at]);
      }
      // every annotated pair is shown (≤ 12 < 24); unannotated ones may be missed by the rejection rule
      for (const r of scene.relations)
        if (reference.primary[i * q + relation.get(`${r.subject},${r.object}`)!]! >= 0)
          expect(shown.has(`${r.subject},${r.object}`)).toBe(true);
      expect(real).toBeLessThanOrEqual(objects * (objects - 1));
      missed += objects * (objects - 1) - real;
    }
    expect(missed).toBeGreaterThan(0); // the official rule leaves some background pairs out
    expect(read(ds.split('val').batch(Int32Array.of(0, 1, 2, 3), { augmentSeed: 7 }))).toEqual(
      read(plain.split('val').batch(Int32Array.of(0, 1, 2, 3))),
    );
    tf.dispose([...batches, again, other].flatMap((b) => Object.values(b) as tf.Tensor[]));
  });

  it("one-object scenes with labels: 'class' give y int32 [B] and propose classification; other layouts are refused", async () => {
    const ds = await loadScenes({ train: 5, val: 1, test: 1, minObjects: 1, maxObjects: 1, labels: 'class' });
    expect(ds.task).toBe('classification');
    expect(ds.batchKeys['y']).toMatchObject({ shape: [], dtype: 'int32' });
    const split = ds.split('train');
    const b = split.batch(Int32Array.from([0, 1, 2, 3, 4]));
    expect(b.y!.dtype).toBe('int32');
    expect(Array.from(b.y!.dataSync())).toEqual([0, 1, 2, 3, 4].map((i) => split.scenes.get(i).objects[0]!.classId));
    expect(Array.from(split.labels!)).toEqual(Array.from(b.y!.dataSync()));
    tf.dispose(Object.values(b) as tf.Tensor[]);
    await expect(loadScenes({ train: 2, val: 1, test: 1, labels: 'class' })).rejects.toThrow(
      /config field 'data\.options\.labels': 'class' needs one object per scene/,
    );
  });

  it("proposals: 'edges' gives one edge-only source (proposals, proposalScores, proposalMask), blind to the boxes", async () => {
    const ds = await loadScenes({ train: 3, val: 1, test: 1, proposals: 'edges' });
    const keys = Object.keys(ds.batchKeys);
    // (objectsProposals… are the annotated boxes as proposals, present with every source)
    expect(keys.filter((k) => /proposal/i.test(k) && !k.startsWith('objects')).sort()).toEqual([
      'proposalMask',
      'proposalScores',
      'proposals',
    ]);
    expect(ds.batchKeys['proposals']).toMatchObject({ shape: [EDGE_PROPOSAL_CONFIG.topK, 4], dtype: 'float32' });
    expect(ds.batchKeys['proposalScores']).toMatchObject({ shape: [EDGE_PROPOSAL_CONFIG.topK] });
    const split = ds.split('train');
    const b = split.batch(Int32Array.from([0, 1, 2]));
    expect(Object.keys(b).sort()).toEqual([...keys].sort());
    expect(b.proposals!.shape).toEqual([3, EDGE_PROPOSAL_CONFIG.topK, 4]);
    expect(Array.from(b.proposalMask!.dataSync()).every((v) => v === 1)).toBe(true);
    // the batch's proposals are the edge source's, for the scene's image alone
    const scene = split.scenes.get(1);
    const seed = deriveSeed(deriveSeed(DEFAULT_SPLIT_SEED, 'scenes', 'train'), 'proposal-source', '');
    const blind = proposals({ ...scene, objects: [], full: { objects: [] } }, EDGE_PROPOSAL_CONFIG, seed);
    const k = EDGE_PROPOSAL_CONFIG.topK;
    expect(Array.from(b.proposals!.dataSync().subarray(4 * k, 8 * k))).toEqual(Array.from(blind.boxes));
    expect(Array.from(b.proposalScores!.dataSync().subarray(k, 2 * k))).toEqual(Array.from(blind.scores));
    tf.dispose(Object.values(b) as tf.Tensor[]);
  });

  it('declares its facets: base/novel classes, answers, predicates', async () => {
    const ds = await loadScenes({ train: 2, val: 1, test: 1, novelClasses: [9, 3] });
    expect(facetOf(ds, BASE_NOVEL_CLASSES)).toEqual({ base: [0, 1, 2, 4, 5, 6, 7, 8], novel: [3, 9] });
    expect(facetOf(ds, PREDICATE_NAMES)).toEqual([...PREDICATES]);
    expect(facetOf(ds, ANSWER_VOCABULARY)).toEqual(ds.split('train').scenes.answerVocabulary.answers);
  });

  it("annotateNovel (ViLD's oracle) annotates every object in training batches only; the facet still names the novel classes", async () => {
    const options = { train: 6, val: 3, test: 3, novelClasses: [0, 1, 2, 3, 4] };
    const plain = await loadScenes(options);
    const oracle = await loadScenes({ ...options, annotateNovel: true });
    expect(facetOf(oracle, BASE_NOVEL_CLASSES)).toEqual({ base: [5, 6, 7, 8, 9], novel: [0, 1, 2, 3, 4] });
    expect(oracle.batchKeys).toEqual(plain.batchKeys);
    const indices = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const values = (b: Batch) => Object.fromEntries(Object.entries(b).map(([k, t]) => [k, Array.from(t!.dataSync())]));
    const before = tf.memory().numTensors;
    const got = oracle.split('train').batch(indices);
    const full = oracle.split('train').scenes.batch(indices, { annotations: 'full' });
    const base = plain.split('train').batch(indices);
    expect(values(got)).toEqual(values(full));
    // the scenes hold novel objects, so the oracle's training boxes differ from the base-only ones
    const scenes = Array.from(indices, (i) => oracle.split('train').scenes.get(i));
    expect(scenes.some((s) => s.full.objects.some((o) => o.novel))).toBe(true);
    expect(Array.from(got.boxCount!.dataSync())).toEqual(scenes.map((s) => s.full.objects.length));
    expect(Array.from(got.boxClasses!.dataSync()).some((c) => c >= 0 && c <= 4)).toBe(true);
    expect(Array.from(base.boxClasses!.dataSync()).some((c) => c >= 0 && c <= 4)).toBe(false);
    // val and test keep the base annotations (evaluation reads fullBoxes either way)
    for (const name of ['val', 'test'] as const) {
      const a = oracle.split(name).batch(Int32Array.from([0, 1, 2]));
      const b = plain.split(name).batch(Int32Array.from([0, 1, 2]));
      expect(values(a)).toEqual(values(b));
      tf.dispose([...Object.values(a), ...Object.values(b)] as tf.Tensor[]);
    }
    tf.dispose([...Object.values(got), ...Object.values(full), ...Object.values(base)] as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without annotateNovel, training batches are the base annotations (the default is unchanged)', async () => {
    const ds = await loadScenes({ train: 4, val: 1, test: 1, novelClasses: [1, 7] });
    const indices = Int32Array.from([0, 1, 2, 3]);
    const got = ds.split('train').batch(indices);
    const want = ds.split('train').scenes.batch(indices, { annotations: 'base' });
    for (const key of Object.keys(want))
      expect(Array.from(got[key]!.dataSync()), key).toEqual(Array.from(want[key]!.dataSync()));
    expect(ds.split('train').annotations).toBe('base');
    tf.dispose([...Object.values(got), ...Object.values(want)] as tf.Tensor[]);
  });

  it('previews show every object (novel ones marked), the caption and a question', async () => {
    const ds = await loadScenes({ train: 3, val: 1, test: 1, novelClasses: [0, 1, 2, 3, 4] });
    const p = ds.split('train').preview(1);
    const scene = ds.split('train').scenes.get(1);
    expect(p.image.shape).toEqual([64, 64, 1]);
    expect(p.boxes).toHaveLength(scene.full.objects.length);
    for (const [i, o] of scene.full.objects.entries())
      expect(p.boxes![i]!.label).toBe(o.novel ? `${o.className} (novel)` : o.className);
    expect(p.lines![0]).toBe(scene.caption);
    expect(p.lines![1]).toMatch(/^Q: .+\? A: \S+/);
  });

  it('rejects impossible options naming the field', async () => {
    await expect(loadScenes({ minObjects: 5, maxObjects: 2 })).rejects.toThrow(/data\.options\.minObjects/);
    await expect(loadScenes({ maxItemSize: 80 })).rejects.toThrow(/data\.options\.maxItemSize/);
    await expect(loadScenes({ novelClasses: [12] })).rejects.toThrow(/data\.options\.novelClasses/);
    await expect(loadScenes({ shapes: 3 } as never)).rejects.toThrow(
      "config field 'data.options.shapes': unknown option 'shapes'",
    );
  });
});
