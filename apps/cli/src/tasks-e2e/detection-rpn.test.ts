import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir } from '../../test/kd.js';

const EXAMPLE = example('scenes-detection-rpn.yaml');

/** examples/scenes-detection-rpn.yaml, shrunk: region-detector with its own RPN, trained by the detection task's four terms. */
describe('kd run: the detection task with a region proposal network (region-detector options.rpn)', () => {
  it('trains the RPN with the region head for an epoch (task.rpn_objectness and task.rpn_box logged, weight 1) and reports AP50', async () => {
    const cwd = tempDir('detection-rpn');
    const set = [
      'backend=wasm',
      'seed=1',
      'data.options.train=32',
      'data.options.val=16',
      'data.options.test=16',
      'student.options.width=4',
      'student.options.hidden=32',
      'student.options.regions=16',
      'train.epochs=1',
      'train.batchSize=16',
    ].flatMap((s) => ['--set', s]);
    const r = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'run'), ...set], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.cls \d+\.\d{4}, task\.box \d+\.\d{4}, task\.rpn_objectness \d+\.\d{4}, task\.rpn_box \d+\.\d{4}\) {2}val AP50 \d+\.\d{2}%/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.weights).toEqual({ 'task.cls': 1, 'task.box': 1, 'task.rpn_objectness': 1, 'task.rpn_box': 1 });
    const last = summary.student.test.last;
    expect(Object.keys(last).sort()).toEqual(['AP50', 'AP50.base', 'AP50.novel', 'loss']);
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    expect(last.loss).toBeGreaterThan(0);
  });
});
