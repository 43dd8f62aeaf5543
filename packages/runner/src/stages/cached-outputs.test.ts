import * as tf from '@tensorflow/tfjs';
import { ConfigError, createHost } from '@kd/core';
import { loadMnist, register as registerData } from '@kd/data';
import { register as registerKd } from '@kd/method-kd';
import { architectures, register as registerModels } from '@kd/models';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../assemble/build-run.js';
import { parseRunConfig } from '../config/load-config.js';
import { runExperiment } from '../run.js';
import { CachedOutputs } from './cached-outputs.js';
import { register as registerTasks } from '@kd/tasks';

const host = createHost([registerModels, registerData, registerKd, registerTasks]);

describe('cached teacher outputs', () => {
  it('gather exactly what the teacher computes in inference mode, by sample index', async () => {
    const ds = await loadMnist({ val: 100, test: 100, trainSize: 40 });
    const teacher = architectures
      .find((a) => a.id === 'cnn')!
      .build({ inputShape: [28, 28, 1], numClasses: 10, seed: 3, options: { width: 4 } });
    const taps = new Set(['logits', 'stage2']);
    const cached = CachedOutputs.precompute(teacher, ds.split('train'), taps, 16);
    const idx = Int32Array.from([7, 0, 39, 12]);
    tf.tidy(() => {
      const batch = ds.split('train').batch(idx);
      const direct = teacher.forward(batch, { training: false, taps });
      const fromCache = cached.forward(batch, { training: false, taps });
      for (const t of taps) expect(tf.max(tf.abs(tf.sub(direct[t]!, fromCache[t]!))).dataSync()[0]).toBeLessThan(1e-5);
    });
    expect(cached.tapSpecs()).toEqual(teacher.tapSpecs());
    cached.dispose();
    teacher.dispose();
  });

  it('are refused with augmentation on (they would not match the augmented samples)', async () => {
    const cfg = parseRunConfig({
      data: { options: { trainSize: 32, augment: true } },
      teacher: { arch: 'cnn', cacheOutputs: true },
      student: { arch: 'cnn' },
      methods: [{ id: 'kd' }],
    });
    await expect(buildRun(host, cfg)).rejects.toThrow(ConfigError);
    await expect(buildRun(host, cfg)).rejects.toThrow(/teacher.cacheOutputs/);
  });

  it('replace the teacher forward pass in a run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-cached-'));
    const lines: string[] = [];
    const summary = await runExperiment(
      host,
      parseRunConfig({
        backend: 'cpu',
        cacheDir: join(dir, 'cache'),
        data: { options: { trainSize: 64, val: 100, test: 100 } },
        teacher: { arch: 'cnn', options: { width: 2 }, cacheOutputs: true, train: { epochs: 1, batchSize: 32 } },
        student: { arch: 'cnn', options: { width: 2 } },
        train: { epochs: 1, batchSize: 32 },
        methods: [{ id: 'kd' }],
      }),
      { runDir: join(dir, 'run'), log: (l) => lines.push(l) },
    );
    expect(summary.completed).toBe(true);
    expect(lines.some((l) => l.includes('outputs cached for 64 training samples'))).toBe(true);
  });
});
