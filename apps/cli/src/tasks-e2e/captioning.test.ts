import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, listTree, tempDir, writeFile } from '../../test/kd.js';

const config = (studentOptions: string) =>
  [
    'name: tiny-captioning',
    'seed: 1',
    'backend: wasm',
    'data:',
    '  dataset: scene-captions',
    '  options:',
    '    scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 64, val: 16, test: 16, proposals: one }',
    '    length: 12',
    'task: { id: captioning }',
    'student:',
    '  arch: vl-scene',
    `  options: { width: 4, regions: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32${studentOptions} }`,
    'train: { epochs: 2, batchSize: 16, optimizer: { type: adam, lr: 0.01 } }',
  ].join('\n');

/** Captioning on scenes end to end: a causal vl-scene learns the reading-order captions, judged on its greedy captions. */
describe('kd run: the captioning task on scene-captions', () => {
  it('trains with next-token CE and reports CIDEr-D as a number, BLEU-4 as a percentage, in summary.json', async () => {
    const cwd = tempDir('captioning');
    const r = await kd(
      ['run', writeFile(cwd, 'captioning.yaml', config(', textAttention: causal')), '--run-dir', join(cwd, 'run')],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/^\[distill\] epoch 2\/2 {2}loss \d+\.\d{4} {2}val CIDEr-D \d+\.\d{4} {2}/m);
    expect(out).toMatch(/test CIDEr-D \d+\.\d{4} \(last\)/);
    expect(out).not.toMatch(/CIDEr-D [\d.]+%/);
    expect(out).toMatch(/test \(last\): BLEU-4 \d+\.\d{2}%, loss \d+\.\d{4}/);
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task.id).toBe('captioning');
    expect(summary.task.primary).toBe('CIDEr-D');
    expect(summary.task.metrics.map((m: { name: string; unit: string }) => [m.name, m.unit])).toEqual([
      ['CIDEr-D', 'score'],
      ['BLEU-4', 'fraction'],
      ['loss', 'score'],
    ]);
    expect(Object.keys(summary.weights)).toEqual(['task.ce']);
    const test = summary.student.test.last;
    expect(test['CIDEr-D']).toBeGreaterThanOrEqual(0);
    expect(test['BLEU-4']).toBeGreaterThanOrEqual(0);
    expect(test['BLEU-4']).toBeLessThanOrEqual(1);
    expect(Number.isFinite(test.loss)).toBe(true);
  });

  it('a model with bidirectional text attention is refused at build time in one line naming the option, nothing written', async () => {
    const cwd = tempDir('captioning-bi');
    const r = await kd(['run', writeFile(cwd, 'captioning.yaml', config('')), '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "kd: task 'captioning': student (vl-scene) must decode left to right: set student.options.textAttention: causal (it has 'bidirectional')",
    );
    expect(listTree(cwd)).toEqual(['captioning.yaml']);
  });
});
