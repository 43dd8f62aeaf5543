import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../../test/kd.js';

/**
 * DistillVLM end to end, tiny: an adapted teacher (trained first on the student's proposal source)
 * and a smaller causal captioner, with attention MSE, token NCE against a queue and logit KD.
 * (examples/distillvlm/captioning.yaml at full size: a chain of recipes; distillvlm-chain.test.ts runs it tiny.)
 */
const CONFIG = [
  'name: tiny-distillvlm',
  'seed: 1',
  'backend: wasm',
  'data:',
  '  dataset: scene-captions',
  '  options:',
  '    scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 8, test: 8, proposals: two }',
  '    length: 10',
  '    vocabulary: scenes',
  'task: { id: captioning }',
  'teacher:',
  '  arch: vl-scene',
  '  options: { width: 8, regions: 4, pool: 2, layers: 2, dModel: 24, heads: 2, ffn: 48, textAttention: causal, proposals: biased }',
  '  train: { epochs: 1, batchSize: 8, optimizer: { type: adam, lr: 0.01 } }',
  'student:',
  '  arch: vl-scene',
  '  options: { width: 4, regions: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32, textAttention: causal, proposals: biased }',
  'train: { epochs: 2, batchSize: 8, optimizer: { type: adam, lr: 0.01 } }',
  'methods:',
  '  - id: distillvlm',
  '    weights: { att: 1, nce: 1, logit: 1 }',
  '    hparams: { queueSize: 16, projectionDim: 8 }',
].join('\n');

describe('kd run: DistillVLM on scene-captions (captioning), tiny', () => {
  it('trains the teacher, then distils with att + nce + logit; the queue is in the checkpoint', async () => {
    const cwd = tempDir('distillvlm');
    const r = await kd(['run', writeFile(cwd, 'distillvlm.yaml', CONFIG), '--run-dir', join(cwd, 'run')], cwd, 300_000);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/^\[teacher-train\] epoch 1\/1 {2}loss \d+\.\d{4}/m);
    expect(out).toMatch(
      /^\[distill\] epoch 2\/2 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, distillvlm\.att \d+\.\d{4}, distillvlm\.nce \d+\.\d{4}, distillvlm\.logit \d+\.\d{4}\)/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(Object.keys(summary.weights).sort()).toEqual([
      'distillvlm.att',
      'distillvlm.hidden_mse',
      'distillvlm.logit',
      'distillvlm.nce',
      'task.ce',
    ]);
    expect(summary.weights['distillvlm.hidden_mse']).toBe(0);
    expect(summary.student.test.last['CIDEr-D']).toBeGreaterThanOrEqual(0);
    // the queue (16 slots × 8) with its head and fill, saved with the last checkpoint
    const last = join(cwd, 'run', 'checkpoints', 'distill', 'last');
    const method = JSON.parse(readFileSync(join(last, 'method.json'), 'utf8'));
    expect(JSON.stringify(method)).toContain('distillvlm/queue1');
    const state = JSON.parse(readFileSync(join(last, 'state.json'), 'utf8'));
    expect(state.extra['distillvlm/queue1.filled']).toBe(16);
    expect(Number.isInteger(state.extra['distillvlm/queue1.head'])).toBe(true);
  });
});
