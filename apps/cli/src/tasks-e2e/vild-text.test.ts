import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir, tinyClipConfig, writeFile } from '../../test/kd.js';

const EXAMPLE = example('scenes-vild-text.yaml');

interface EmbeddingsFile {
  classes: string[];
  dim: number;
  embeddings: number[][];
  source: Record<string, unknown>;
}

describe('ViLD-text end to end: kd text class-embeddings of a CLIP teacher → region-detector options.classifier', () => {
  it('writes the class embeddings of a teacher config (trained once as a recipe) and of its run folder alike, then trains a detector with them', async () => {
    const cwd = tempDir('vild-text');
    const teacher = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const fromConfig = await kd(['text', 'class-embeddings', teacher, '--out', 'emb/a.json'], cwd);
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(fromConfig.stderr).toMatch(/recipe tiny-clip: not in the cache, running it once/);
    const recipes = readdirSync(join(cwd, '.kd-cache', 'recipes')).filter((d) => /^tiny-clip-[0-9a-f]{16}$/.test(d));
    expect(recipes).toHaveLength(1);
    const runDir = join(cwd, '.kd-cache', 'recipes', recipes[0]!);
    expect(fromConfig.stdout).toContain(`10 class embeddings (16-d) of ${runDir} → emb/a.json`);
    const a = JSON.parse(readFileSync(join(cwd, 'emb', 'a.json'), 'utf8')) as EmbeddingsFile;
    expect(a.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(a.dim).toBe(16);
    expect(a.embeddings).toHaveLength(10);
    for (const row of a.embeddings) {
      expect(row).toHaveLength(16);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    expect(a.source).toMatchObject({
      teacher: runDir,
      arch: 'clip',
      prompts: ['a photo of a {}.', 'an image of a {}.', 'a picture of the {}.', 'this is a {}.'],
    });
    // the classes differ: the prompts carry the class names through the trained text tower
    expect(Math.max(...a.embeddings[0]!.map((x, i) => Math.abs(x - a.embeddings[1]![i]!)))).toBeGreaterThan(1e-3);

    // the recipe is cached: the config again, or its run folder, gives the same file without training
    const again = await kd(['text', 'class-embeddings', teacher, '--out', 'emb/b.json'], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/running it once/);
    const fromFolder = await kd(['text', 'class-embeddings', runDir, '--out', 'emb/c.json'], cwd);
    expect(fromFolder.code, fromFolder.stderr).toBe(0);
    for (const f of ['b.json', 'c.json'])
      expect((JSON.parse(readFileSync(join(cwd, 'emb', f), 'utf8')) as EmbeddingsFile).embeddings).toEqual(
        a.embeddings,
      );

    // examples/scenes-vild-text.yaml, shrunk, on MNIST scenes with the file above
    const set = [
      'backend=wasm',
      'seed=1',
      'data.options.items=mnist',
      'data.options.train=32',
      'data.options.val=16',
      'data.options.test=16',
      'student.options.width=4',
      'student.options.hidden=32',
      'student.options.regions=16',
      `student.options.classifier.embeddings=${JSON.stringify(join(cwd, 'emb', 'a.json'))}`,
      'train.epochs=1',
      'train.batchSize=16',
    ].flatMap((s) => ['--set', s]);
    const r = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'run'), ...set], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.cls \d+\.\d{4}, task\.box \d+\.\d{4}, task\.rpn_objectness \d+\.\d{4}, task\.rpn_box \d+\.\d{4}\) {2}val AP50 \d+\.\d{2}%/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    const last = summary.student.test.last;
    expect(Object.keys(last).sort()).toEqual(['AP50', 'AP50.base', 'AP50.novel', 'loss']);
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    // the saved detector has the text classifier's projection and background, no linear classifier, no text embeddings
    const manifest = JSON.parse(readFileSync(join(cwd, 'run', 'student', 'model.json'), 'utf8')).weightsManifest as {
      weights: { name: string }[];
    }[];
    const names = manifest.flatMap((g) => g.weights.map((w) => w.name));
    expect(names.filter((n) => n.startsWith('textClassifier.')).sort()).toEqual([
      'textClassifier.background',
      'textClassifier.projection.bias',
      'textClassifier.projection.weight',
    ]);
    expect(names.some((n) => n.startsWith('classifier.'))).toBe(false);

    // a file of other class names is refused when the detector is built: one line, exit 2
    const wrong = writeFile(cwd, 'wrong.json', JSON.stringify({ ...a, classes: a.classes.map((c) => `digit ${c}`) }));
    const refused = await kd(
      [
        'run',
        EXAMPLE,
        '--run-dir',
        join(cwd, 'run2'),
        ...set,
        '--set',
        `student.options.classifier.embeddings=${JSON.stringify(wrong)}`,
      ],
      cwd,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/wrong\.json: its classes \[digit 0, .*\] are not the dataset's \[0, 1, /);

    // not a CLIP model: the detector's run folder has no text tower
    const notClip = await kd(['text', 'class-embeddings', join(cwd, 'run'), '--out', 'emb/d.json'], cwd);
    expect(notClip.code).toBe(2);
    expect(notClip.stderr).toMatch(/its student is a 'region-detector', not a CLIP-like dual encoder/);
  }, 600_000);
});
