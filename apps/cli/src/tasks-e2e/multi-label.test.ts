import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../../test/kd.js';

const sceneConfig = (name: string) =>
  [
    `name: ${name}`,
    'backend: wasm',
    'data:',
    '  dataset: scenes',
    '  options: { size: 32, minItemSize: 10, maxItemSize: 16, maxObjects: 3, proposals: none, train: 64, val: 32, test: 32 }',
    'student: { arch: cnn, options: { width: 2 } }',
    'train: { epochs: 1, batchSize: 32 }',
  ].join('\n');

/** Scenes propose multi-label classification: BCE on multi-hot labels; mAP (primary) and CP…OF1. */
describe('kd run / kd sweep: multi-label scenes', () => {
  const cwd = tempDir('task-multi-label');
  const config = writeFile(cwd, 'multi-label.yaml', sceneConfig('scenes-multi-label'));

  it('kd run writes mAP, CP…OF1 and loss to summary.json and prints fractions in %', async () => {
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^student +cnn .* params {2}test mAP \d+\.\d\d% \(last\)/m);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.bce \d+\.\d{4}\) {2}val mAP \d+\.\d\d%/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task).toMatchObject({ id: 'multi-label', primary: 'mAP' });
    expect(Object.keys(summary.student.test.last).sort()).toEqual([
      'CF1',
      'CP',
      'CR',
      'OF1',
      'OP',
      'OR',
      'loss',
      'mAP',
    ]);
    for (const m of ['mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1']) {
      expect(summary.student.test.last[m]).toBeGreaterThanOrEqual(0);
      expect(summary.student.test.last[m]).toBeLessThanOrEqual(1);
    }
  });

  it("kd sweep's tables show a fraction (mAP, in %) and a score (loss, a number) from real runs", async () => {
    const r = await kd(
      [
        'sweep',
        config,
        '--variant',
        'narrow={}',
        '--variant',
        'wide={student: {options: {width: 4}}}',
        '--seeds',
        '2',
        '--out',
        'sweeps',
        '--name',
        'units',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(join(cwd, 'sweeps', 'units', 'results.md'), 'utf8');
    const header = md.split('\n').find((l) => l.startsWith('| cell'))!;
    expect(header).toContain('student test mAP % (last)');
    expect(header).toContain('student test loss (last)');
    expect(header).not.toContain('loss %');
    const titles = header.split('|').map((c) => c.trim());
    const row = md
      .split('\n')
      .find((l) => l.startsWith('| `narrow`'))!
      .split('|')
      .map((c) => c.trim());
    const mAP = row[titles.indexOf('student test mAP % (last)')]!;
    const loss = row[titles.indexOf('student test loss (last)')]!;
    expect(mAP).toMatch(/^\d{1,3}\.\d\d ± \d+\.\d\d$/); // percent
    expect(Number(mAP.split(' ')[0])).toBeGreaterThan(1); // a fraction shown in percent (> 1 once scaled)
    expect(loss).toMatch(/^\d\.\d{3,4} ± \d\.\d{3,4}$/); // a score on its own scale (BCE < 10)
    const csv = readFileSync(join(cwd, 'sweeps', 'units', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    const cols = csv[0]!.split(',');
    const values = csv[1]!.split(',');
    expect(values[cols.indexOf('primary')]).toBe('mAP');
    expect(Number(values[cols.indexOf('student_test_last_mean')])).toBeLessThanOrEqual(1); // CSV keeps fractions as fractions
    expect(Number(values[cols.indexOf('student_test_loss_last_mean')])).toBeGreaterThan(0);
  });
});
