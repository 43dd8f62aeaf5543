import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, shrunkVild, tempDir, tinyClipConfig, writeFile } from '../../test/kd.js';

const EXAMPLE = example('scenes-vild-ensemble.yaml');

describe('ViLD-ensemble end to end: the detector with a separate image tower, evaluated by its regionScores', () => {
  it('trains with vild.image and reports AP50 all/base/novel, its detections scored by regionScores (λ changes AP, not the loss)', async () => {
    const cwd = tempDir('vild-ensemble');
    const teacher = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const emb = await kd(['text', 'class-embeddings', teacher, '--out', 'emb.json'], cwd);
    expect(emb.code, emb.stderr).toBe(0);

    // examples/scenes-vild-ensemble.yaml, shrunk as vild.test.ts shrinks scenes-vild.yaml
    const set = shrunkVild(join(cwd, 'emb.json'), teacher, ['seed=1']);
    const r = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'run'), ...set], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.cls \d+\.\d{4}, task\.box \d+\.\d{4}, task\.rpn_objectness \d+\.\d{4}, task\.rpn_box \d+\.\d{4}, vild\.image \d+\.\d{4}\) {2}val AP50 \d+\.\d{2}%/m,
    );
    expect(r.stdout).toMatch(/^student +region-detector .* test AP50 \d+\.\d{2}% \(last\)/m);

    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.methods).toEqual(['vild']);
    const last = summary.student.test.last;
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    expect(last['loss']).toBeGreaterThan(0);

    // regionScores drive the evaluation: λ 0 trains the same model (the loss metric, from regionLogits, is
    // the same) but scores its detections otherwise
    const lambda0 = ['--set', 'student.options.ensemble={"lambda":0}'];
    const again = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'run-lambda0'), ...set, ...lambda0], cwd);
    expect(again.code, again.stderr).toBe(0);
    const other = JSON.parse(readFileSync(join(cwd, 'run-lambda0', 'summary.json'), 'utf8')).student.test.last;
    expect(other['loss']).toBe(last['loss']);
    expect(['AP50', 'AP50.base', 'AP50.novel'].map((m) => other[m])).not.toEqual(
      ['AP50', 'AP50.base', 'AP50.novel'].map((m) => last[m]),
    );
  });
});
