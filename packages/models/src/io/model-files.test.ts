import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { architectures } from '../architectures/index.js';
import { fileIOHandler, registerFileRouter } from './file-io-handler.js';
import { GraphModelTeacher } from './graph-model-teacher.js';
import { readModelCard } from './model-card.js';
import { loadTappedModel, saveTappedModel } from './tapped-model-files.js';
import { writeGraphModel } from '../../test/helpers.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `kd-io-${p}-`));
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('model files in TensorFlow.js formats on the local disk', () => {
  it('a tfjs layers model round-trips through file:// (model.json + weights shard)', async () => {
    registerFileRouter();
    const dir = tmp('layers');
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 2 })],
    });
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    expect(maxDiff(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)).toBe(0);
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it.each([
    ['resnet8', [13, 13, 3], { width: 4 }],
    ['transformer', [5, 6], { layers: 1, dModel: 8, heads: 2, ffn: 16 }],
  ] as const)('a kd %s round-trips: identical outputs after save/load, card kept', async (id, inputShape, options) => {
    const arch = architectures.find((a) => a.id === id)!;
    const model = arch.build({ inputShape, numClasses: 4, seed: 3, options });
    const dir = tmp(id);
    const card = { arch: id, options, inputShape, numClasses: 4 };
    await saveTappedModel(model, dir, card);
    expect(readModelCard(dir)).toEqual({ ...card, params: model.paramCount() });
    const loaded = await loadTappedModel(dir, architectures);
    const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 5);
    const a = model.forward({ x }, { training: false })['logits']!;
    const b = loaded.forward({ x }, { training: false })['logits']!;
    expect(maxDiff(a, b)).toBe(0);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('one-line errors: missing file, wrong format, missing shard', async () => {
    await expect(fileIOHandler('/nonexistent/kd').load!()).rejects.toThrow(
      'cannot read model file /nonexistent/kd/model.json (ENOENT)',
    );
    const dir = tmp('bad');
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }),
    );
    expect(() => readModelCard(dir)).toThrow(UserError);
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['gone.bin'], weights: [] }] }),
    );
    await expect(fileIOHandler(dir).load!()).rejects.toThrow(`missing weights shard ${join(dir, 'gone.bin')}`);
  });
});

describe('a tfjs graph model as a frozen teacher', () => {
  const w = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2);
  const dir = tmp('graph');
  writeGraphModel(dir, w);

  it('taps are named graph nodes, with shapes measured by a probe', async () => {
    const teacher = await GraphModelTeacher.load(dir, {
      taps: { logits: { node: 'logits' }, hidden: { node: 'h', kind: 'embedding' } },
      inputShape: [4],
    });
    expect(teacher.tapSpecs()['logits']).toMatchObject({ shape: [3], kind: 'logits' });
    expect(teacher.tapSpecs()['hidden']).toMatchObject({ shape: [3], kind: 'embedding' });
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [-1, 0, 1, 0],
    ]);
    const out = teacher.forward({ x }, { training: false });
    const h = tf.matMul(x, tf.tensor2d(w, [4, 3]));
    expect(maxDiff(out['hidden']!, h)).toBeLessThan(1e-6);
    expect(maxDiff(out['logits']!, tf.relu(h))).toBeLessThan(1e-6);
    expect(teacher.trainableVariables()).toHaveLength(0);
    // only the requested taps (and logits) are computed
    expect(Object.keys(teacher.forward({ x }, { training: false, taps: new Set(['logits']) }))).toEqual(['logits']);
    teacher.dispose();
  });

  it('names a missing node or input in one line', async () => {
    await expect(GraphModelTeacher.load(dir, { taps: { logits: { node: 'nope' } }, inputShape: [4] })).rejects.toThrow(
      `graph teacher ${dir}: tap 'logits' names node 'nope', which the graph does not have`,
    );
    await expect(
      GraphModelTeacher.load(dir, { input: 'y', taps: { logits: { node: 'logits' } }, inputShape: [4] }),
    ).rejects.toThrow(/input 'y' not among x/);
  });
});
