import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, tinyClipConfig, writeFile } from '../test/kd.js';

/** The CLIP-like teacher pipeline end to end: captioned data → clip dual encoder → clip method → zero-shot test accuracy. */
describe('kd run: a tiny CLIP-like teacher', () => {
  it('trains a dual encoder on captioned MNIST and reports zero-shot accuracy', async () => {
    const cwd = tempDir('clip');
    const config = writeFile(cwd, 'clip.yaml', tinyClipConfig('{ sameClassPositives: true, learnTemperature: true }'));
    const r = await kd(['run', config, '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(clip\.contrastive \d+\.\d{4}\)/m);
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.methods).toEqual(['clip']);
    expect(summary.student.test.last.accuracy).toBeGreaterThanOrEqual(0); // zero-shot accuracy through the class prompts
    expect(summary.student.test.last.accuracy).toBeLessThanOrEqual(1);
  });
});
