import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../../test/kd.js';

const PREDICATES = ['left-of', 'right-of', 'above', 'below', 'near', 'overlapping'];

/**
 * The relationships task on captioned scenes: vl-scene's relation head over the pairs of annotated
 * boxes (regions = the `objects` source, one region per box slot), 6 predicates + background.
 */
describe('kd run: relationships on scenes', () => {
  it('trains task.ce on relationLogits and reports R@50 (primary), R@100 and triple verification (fractions, printed in %) and loss in summary.json', async () => {
    const cwd = tempDir('task-relationships');
    const config = writeFile(
      cwd,
      'relationships.yaml',
      [
        'name: scenes-relationships',
        'backend: wasm',
        'data:',
        '  dataset: scene-captions',
        '  options: { scenes: { size: 32, minItemSize: 10, maxItemSize: 16, minObjects: 2, maxObjects: 3, proposals: none, train: 32, val: 16, test: 16 } }',
        'student: { arch: vl-scene, options: { proposals: objects, regions: 3, predicates: 7, width: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32 } }',
        'task: { id: relationships }',
        'train: { epochs: 1, batchSize: 16 }',
      ].join('\n'),
    );
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^student +vl-scene .* params {2}test R@50 \d+\.\d\d% \(last\)/m);
    expect(r.stdout).toMatch(
      /^ +test \(last\): R@100 \d+\.\d\d%, R@all \d+\.\d\d%, verification \d+\.\d\d%, loss \d+\.\d{4}, verification\.left-of \d+\.\d\d%/m,
    );
    expect(r.stderr).toMatch(/^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} {2}val R@50 \d+\.\d\d%/m);
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task).toMatchObject({ id: 'relationships', primary: 'R@50' });
    expect(summary.weights).toEqual({ 'task.ce': 1, 'task.bce': 0 }); // bce (SpatialSense) is off by default
    const test = summary.student.test.last;
    const fractions = [
      'R@50',
      'R@100',
      'R@all',
      'verification',
      ...PREDICATES.map((p) => `verification.${p}`),
      ...PREDICATES.map((p) => `R@50.${p}`),
    ];
    expect(Object.keys(test).sort()).toEqual([...fractions, 'loss'].sort());
    for (const m of fractions) {
      expect(test[m], m).toBeGreaterThanOrEqual(0);
      expect(test[m], m).toBeLessThanOrEqual(1);
    }
    expect(test['R@50']).toBeGreaterThan(0); // some pair's best predicate holds, even after one epoch
    expect(test.loss).toBeGreaterThan(0);
  });

  it('a relation head of the wrong width fails at build time in one line naming student.options.predicates, exit 2', async () => {
    const cwd = tempDir('task-relationships-head');
    const config = writeFile(
      cwd,
      'wrong-head.yaml',
      [
        'name: scenes-relationships-head',
        'backend: wasm',
        'data:',
        '  dataset: scene-captions',
        '  options: { scenes: { size: 32, minItemSize: 10, maxItemSize: 16, minObjects: 2, maxObjects: 3, proposals: none, train: 32, val: 16, test: 16 } }',
        'student: { arch: vl-scene, options: { proposals: objects, regions: 3, predicates: 6, width: 4, layers: 1, dModel: 16, heads: 2, ffn: 32 } }',
        'task: { id: relationships }',
        'train: { epochs: 1, batchSize: 16 }',
      ].join('\n'),
    );
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/relation head has 6 outputs.*student\.options\.predicates: 7/);
    expect(existsSync(join(cwd, 'run'))).toBe(false); // nothing written
  });
});
