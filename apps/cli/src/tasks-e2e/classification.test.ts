import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../../test/kd.js';

/** The classification task on scenes: one object per scene with its class as the label (`labels: class`). */
describe('kd run: classification on scenes', () => {
  it('trains with task.ce and reports accuracy (a fraction, printed in %) and loss (a score) in summary.json', async () => {
    const cwd = tempDir('task-classification');
    const config = writeFile(
      cwd,
      'classification.yaml',
      [
        'name: scenes-classification',
        'backend: wasm',
        'data:',
        '  dataset: scenes',
        '  options: { size: 32, minItemSize: 14, maxItemSize: 20, minObjects: 1, maxObjects: 1, labels: class, proposals: none, train: 64, val: 32, test: 32 }',
        'student: { arch: cnn, options: { width: 2 } }',
        'train: { epochs: 1, batchSize: 32 }',
      ].join('\n'),
    );
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^student +cnn .* params {2}test accuracy \d+\.\d\d% \(last\)/m);
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task).toMatchObject({ id: 'classification', primary: 'accuracy' });
    expect(Object.keys(summary.weights)).toEqual(['task.ce']);
    expect(Object.keys(summary.student.test.last).sort()).toEqual(['accuracy', 'loss']);
    expect(summary.student.test.last.accuracy).toBeGreaterThanOrEqual(0);
    expect(summary.student.test.last.accuracy).toBeLessThanOrEqual(1);
    expect(summary.student.test.last.loss).toBeGreaterThan(0);
  });
});
