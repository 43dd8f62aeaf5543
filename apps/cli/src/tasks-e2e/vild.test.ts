import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, shrunkVild, tempDir, tinyClipConfig, writeFile } from '../../test/kd.js';

const EXAMPLE = example('scenes-vild.yaml');

describe('ViLD end to end: ViLD-text classifier + vild (ViLD-image) with a crop teacher initialised from a CLIP recipe', () => {
  it('trains the detector on the task and vild.image, the crop teacher loaded from the recipe, its outputs cached, not judged by the task', async () => {
    const cwd = tempDir('vild');
    const teacher = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const emb = await kd(['text', 'class-embeddings', teacher, '--out', 'emb.json'], cwd);
    expect(emb.code, emb.stderr).toBe(0);

    // examples/scenes-vild.yaml, shrunk, on MNIST scenes with the tiny CLIP (the same recipe: cached)
    const set = shrunkVild(join(cwd, 'emb.json'), teacher, ['seed=1']);
    const r = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'run'), ...set], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/running it once/); // the class-embeddings step ran the recipe
    // the CLIP's image tower and projection, and nothing else, load into the crop teacher
    expect(r.stderr).toContain(
      `teacher: 19 of 21 variables initialised from recipe ${teacher}; not initialised: image.heads.logits.fc1.weight, image.heads.logits.fc1.bias`,
    );
    expect(r.stderr).toMatch(
      /^teacher: crop-teacher \(730 params\) init from \S+student, not judged by task 'detection': its model lacks the task's taps boxDeltas/m,
    );
    expect(r.stderr).toContain('teacher: outputs cached for 32 training samples (regionEmbedding)');
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.cls \d+\.\d{4}, task\.box \d+\.\d{4}, task\.rpn_objectness \d+\.\d{4}, task\.rpn_box \d+\.\d{4}, vild\.image \d+\.\d{4}\) {2}val AP50 \d+\.\d{2}%/m,
    );
    expect(r.stdout).toMatch(/^teacher +crop-teacher +730 params {2}not judged by the task {2}\(init: /m);
    expect(r.stdout).toMatch(/^student +region-detector .* test AP50 \d+\.\d{2}% \(last\)/m);

    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.methods).toEqual(['vild']);
    expect(summary.teachers).toHaveLength(1);
    expect(summary.teachers[0]).toMatchObject({ name: 'teacher', arch: 'crop-teacher', source: 'init' });
    expect(summary.teachers[0].metrics).toBeUndefined();
    expect(summary.teachers[0].unjudged).toMatch(/lacks the task's taps/);
    const last = summary.student.test.last;
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    // no teacher-train stage: the task cannot train the crop teacher
    expect(summary.stages.map((s: { name: string }) => s.name)).toEqual(['distill']);
  });
});
