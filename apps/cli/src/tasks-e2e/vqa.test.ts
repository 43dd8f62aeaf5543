import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, listTree, tempDir, writeFile } from '../../test/kd.js';

const config = (studentOptions: string) =>
  [
    'name: tiny-vqa',
    'seed: 1',
    'backend: wasm',
    'data:',
    '  dataset: scene-vqa',
    '  options:',
    '    scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 16, test: 16, proposals: one }',
    '    length: 10',
    '    questionsPerScene: 4',
    'student:',
    '  arch: vl-scene',
    `  options: { width: 4, regions: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32${studentOptions} }`,
    'train: { epochs: 1, batchSize: 32, optimizer: { type: adam, lr: 0.002 } }',
  ].join('\n');

/** VQA on scenes end to end: scene-vqa proposes the vqa task; vl-scene answers with its [CLS] head over the answer vocabulary. */
describe('kd run: the vqa task on scene-vqa', () => {
  it('trains with the answer BCE and reports VQA accuracy (a percentage) and the loss (a number) in summary.json', async () => {
    const cwd = tempDir('vqa');
    const r = await kd(
      ['run', writeFile(cwd, 'vqa.yaml', config(', head: answers')), '--run-dir', join(cwd, 'run')],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.bce \d+\.\d{4}\) {2}val accuracy \d+\.\d{2}%/m,
    );
    expect(r.stdout + r.stderr).toMatch(/test accuracy \d+\.\d{2}% \(last\)/);
    expect(r.stdout + r.stderr).toMatch(/test \(last\): loss \d+\.\d{4}/);
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task.id).toBe('vqa');
    expect(summary.task.primary).toBe('accuracy');
    expect(Object.keys(summary.weights)).toEqual(['task.bce']);
    const test = summary.student.test.last;
    expect(test.accuracy).toBeGreaterThanOrEqual(0);
    expect(test.accuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(test.loss)).toBe(true);
  });

  it('a head over the classes instead of the answers is refused at build time in one line naming the option, nothing written', async () => {
    const cwd = tempDir('vqa-head');
    const r = await kd(['run', writeFile(cwd, 'vqa.yaml', config('')), '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^kd: task 'vqa': student \(vl-scene\) has 10 logits, the dataset has \d+ answers: give it an answer head \(vl-scene: student\.options\.head: answers\)$/,
    );
    expect(listTree(cwd)).toEqual(['vqa.yaml']);
  });
});
