import { createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerKd } from '@kd/method-kd';
import { register as registerModels } from '@kd/models';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';
import { register as registerTasks } from '@kd/tasks';

/**
 * A TensorFlow.js graph model (the layout tensorflowjs_converter writes) of a linear MNIST
 * classifier: x [-1,28,28,1] → Reshape [-1,784] → MatMul w [784,10] → scores, with fixed
 * pseudo-random weights (its accuracy does not matter here: the test is about the plumbing).
 */
function writeLinearGraphModel(dir: string): void {
  const dim = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
  const node = (name: string, op: string, attr: object, input?: string[]) => ({
    name,
    op,
    attr,
    ...(input ? { input } : {}),
  });
  const topology = {
    node: [
      node('x', 'Placeholder', { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 28, 28, 1) } }),
      node('shape', 'Const', {
        dtype: { type: 'DT_INT32' },
        value: { tensor: { dtype: 'DT_INT32', tensorShape: dim(2) } },
      }),
      node('flat', 'Reshape', { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } }, ['x', 'shape']),
      node('w', 'Const', {
        dtype: { type: 'DT_FLOAT' },
        value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(784, 10) } },
      }),
      node('scores', 'MatMul', { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } }, [
        'flat',
        'w',
      ]),
    ],
    library: {},
    versions: {},
  };
  const w = Float32Array.from({ length: 784 * 10 }, (_, i) => Math.sin(i * 12.9898) * 0.01);
  const shape = Int32Array.from([-1, 784]);
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat([Buffer.from(shape.buffer), Buffer.from(w.buffer)]));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'kd test',
      convertedBy: null,
      modelTopology: topology,
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: [
            { name: 'shape', shape: [2], dtype: 'int32' },
            { name: 'w', shape: [784, 10], dtype: 'float32' },
          ],
        },
      ],
    }),
  );
}

describe('a tfjs graph model from disk as the teacher of a run', () => {
  it('is neither loaded from a checkpoint nor trained: its weights come with the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-graph-teacher-'));
    writeLinearGraphModel(dir);
    const host = createHost([registerModels, registerData, registerKd, registerTasks]);
    const config = parseRunConfig({
      backend: 'cpu',
      cacheDir: join(dir, 'cache'),
      data: { options: { trainSize: 64, val: 100, test: 100 } },
      teacher: {
        arch: 'graph-model',
        options: { path: dir, taps: { logits: { node: 'scores' }, flat: { node: 'flat', kind: 'embedding' } } },
      },
      student: { arch: 'cnn', options: { width: 2 } },
      train: { epochs: 1, batchSize: 32 },
      methods: [{ id: 'kd' }],
    });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'run') });
    expect(summary.completed).toBe(true);
    expect(summary.teachers[0]).toMatchObject({ name: 'teacher', source: 'model', path: dir });
    expect(summary.teachers[0]!.metrics?.['accuracy']).toBeGreaterThanOrEqual(0);
    expect(summary.stages.map((s) => s.name)).toEqual(['distill']); // no teacher-train stage
  });

  it('a bad node name is a one-line config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-graph-teacher-'));
    writeLinearGraphModel(dir);
    const host = createHost([registerModels, registerData, registerKd, registerTasks]);
    const config = parseRunConfig({
      backend: 'cpu',
      data: { options: { trainSize: 64, val: 100, test: 100 } },
      teacher: { arch: 'graph-model', options: { path: dir, taps: { logits: { node: 'nope' } } } },
      student: { arch: 'cnn', options: { width: 2 } },
      methods: [{ id: 'kd' }],
    });
    await expect(runExperiment(host, config, { runDir: join(dir, 'run') })).rejects.toThrow(
      `tap 'logits' names node 'nope', which the graph does not have`,
    );
    expect(existsSync(join(dir, 'run'))).toBe(false); // nothing written
  });
});
