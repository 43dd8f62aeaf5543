/**
 * DistillVLM through the runner (tiny scene-captions, wasm): a run killed while its second epoch's
 * checkpoint is being written resumes from the first epoch's checkpoint — its queue of teacher tokens
 * included — and ends exactly as the uninterrupted run: the same student, the same final queue.
 */
import { createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { parseRunConfig, runExperiment } from '@kd/runner';
import { register as registerTasks } from '@kd/tasks';
import { register as registerText } from '@kd/text';
import { loadCheckpoint, setReplaceFaultHook, type TrainEvent } from '@kd/trainer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from './index.js';

const host = createHost([registerModels, registerData, registerText, registerTasks, register]);
const dir = mkdtempSync(join(tmpdir(), 'kd-distillvlm-'));
afterAll(() => setReplaceFaultHook(undefined));

const vl = (options: Record<string, unknown>) => ({
  arch: 'vl-scene',
  options: { regions: 4, pool: 2, heads: 2, textAttention: 'causal', proposals: 'biased', ...options },
});
const config = parseRunConfig({
  backend: 'wasm',
  seed: 3,
  cacheDir: join(dir, 'cache'),
  data: {
    dataset: 'scene-captions',
    options: {
      scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 8, test: 8, proposals: 'two' },
      length: 10,
    },
  },
  task: { id: 'captioning' },
  teacher: { ...vl({ width: 8, layers: 2, dModel: 24, ffn: 48 }), train: { epochs: 1, batchSize: 8 } },
  student: vl({ width: 4, layers: 1, dModel: 16, ffn: 32 }),
  train: { epochs: 3, batchSize: 8, optimizer: { type: 'adam', lr: 0.01 } },
  methods: [{ id: 'distillvlm', weights: { att: 1, nce: 1 }, hparams: { queueSize: 64, projectionDim: 8 } }],
});

function finalQueue(runDir: string): { rows: number[]; values: Record<string, unknown> } {
  const ck = loadCheckpoint(join(runDir, 'checkpoints', 'distill', 'last'));
  const rows = Array.from(ck.method['distillvlm/queue1']!.dataSync());
  const values = Object.fromEntries(
    Object.entries((ck.state as { extra: Record<string, unknown> }).extra).filter(([k]) => k.startsWith('distillvlm/')),
  );
  for (const group of [ck.variables, ck.optimizer, ck.method]) for (const t of Object.values(group)) t.dispose();
  return { rows, values };
}

describe('distillvlm: exact resume with the queue', () => {
  it('a kill during the second checkpoint, then resume = the uninterrupted run (student and queue)', async () => {
    const runDir = join(dir, 'killed');
    let saves = 0;
    setReplaceFaultHook((point, d) => {
      if (!d.endsWith(join('distill', 'last')) || point !== 'tmp-written') return;
      if (++saves === 2) throw new Error('killed while epoch 2 was being saved');
    });
    await expect(runExperiment(host, config, { runDir })).rejects.toThrow('killed');
    setReplaceFaultHook(undefined);
    const resumed = await runExperiment(host, config, { runDir });
    expect(resumed.completed).toBe(true);
    const whole = await runExperiment(host, config, { runDir: join(dir, 'whole') });
    expect(resumed.student).toEqual(whole.student);
    const [a, b] = [finalQueue(runDir), finalQueue(join(dir, 'whole'))];
    expect(a.values).toEqual(b.values);
    expect(a.values['distillvlm/queue1.filled']).toBe(64);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows.some((v) => v !== 0)).toBe(true);
  });

  it('stopped in the middle of an epoch (Ctrl-C after its second step), then resumed = the uninterrupted run', async () => {
    const runDir = join(dir, 'stopped');
    const stop = new AbortController();
    const events = (e: TrainEvent) => {
      if (e.type === 'step' && e.stage === 'distill' && e.epoch === 2 && e.step === 2) stop.abort();
    };
    await expect(runExperiment(host, config, { runDir, events, signal: stop.signal })).rejects.toThrow();
    const resumed = await runExperiment(host, config, { runDir });
    expect(resumed.completed).toBe(true);
    const wholeDir = join(dir, 'whole');
    const whole = await runExperiment(host, config, { runDir: wholeDir });
    expect(resumed.student).toEqual(whole.student);
    const [a, b] = [finalQueue(runDir), finalQueue(wholeDir)];
    expect(a.values).toEqual(b.values);
    expect(a.rows).toEqual(b.rows);
  });
});
