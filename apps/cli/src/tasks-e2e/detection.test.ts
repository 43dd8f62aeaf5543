import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../../test/kd.js';

/** The detection task end to end: scenes with novel classes → region-detector → AP50 over all, base and novel classes. */
describe('kd run: the detection task on scenes', () => {
  it('trains a region detector and reports AP50, AP50.base, AP50.novel (fractions, printed as %) and its loss', async () => {
    const cwd = tempDir('detection');
    const config = writeFile(
      cwd,
      'detection.yaml',
      [
        'name: tiny-detection',
        'seed: 1',
        'backend: wasm',
        'data:',
        '  dataset: scenes',
        '  options: { novelClasses: [8, 9], train: 32, val: 16, test: 16, proposals: one }',
        'student:',
        '  arch: region-detector',
        '  options: { width: 4, hidden: 32 }',
        'task: { id: detection }',
        'train: { epochs: 1, batchSize: 16, optimizer: { lr: 0.05 } }',
      ].join('\n'),
    );
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.cls \d+\.\d{4}, task\.box \d+\.\d{4}\) {2}val AP50 \d+\.\d{2}%/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.task.id).toBe('detection');
    expect(summary.task.primary).toBe('AP50');
    expect(summary.task.metrics.map((m: { name: string; unit: string }) => `${m.name}:${m.unit}`)).toEqual([
      'AP50:fraction',
      'AP50.base:fraction',
      'AP50.novel:fraction',
      'loss:score',
    ]);
    // the RPN terms are declared but off (weight 0) by default; this student has no RPN
    expect(summary.weights).toEqual({ 'task.cls': 1, 'task.box': 1, 'task.rpn_objectness': 0, 'task.rpn_box': 0 });
    const last = summary.student.test.last;
    expect(Object.keys(last).sort()).toEqual(['AP50', 'AP50.base', 'AP50.novel', 'loss']);
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    expect(last.loss).toBeGreaterThan(0);
    // the result lines: fractions as percentages, the loss as a number
    const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
    expect(r.stdout).toContain(`test AP50 ${pct(last.AP50)} (last)`);
    expect(r.stdout).toContain(
      `AP50.base ${pct(last['AP50.base'])}, AP50.novel ${pct(last['AP50.novel'])}, loss ${last.loss.toFixed(4)}`,
    );
  });
});
