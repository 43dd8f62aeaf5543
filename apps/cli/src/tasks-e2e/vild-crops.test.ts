import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir, tinyClipConfig, writeFile } from '../../test/kd.js';

const EXAMPLE = example('scenes-vild-crops.yaml');
const DETECTOR = example('scenes-detection-rpn.yaml');

/** The data of both runs, shrunk: MNIST scenes (the tiny CLIP's items), novel digits 7, 8, 9. */
const DATA = ['data.options.items=mnist', 'data.options.train=32', 'data.options.val=16', 'data.options.test=32'];
const DETECTOR_OPTIONS = { width: 4, hidden: 32, regions: 16 };

describe("ViLD's 'CLIP on cropped regions' end to end: a supervised detector's regions classified by a CLIP recipe's image tower", () => {
  it('evaluates crop-classifier-detector initialised from a detector run and the CLIP recipe (train.epochs 0), scored by its regionScores, reporting AP50.novel', async () => {
    const cwd = tempDir('vild-crops');
    const clip = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const emb = await kd(['text', 'class-embeddings', clip, '--out', 'emb.json'], cwd);
    expect(emb.code, emb.stderr).toBe(0);

    // the supervised base detector: examples/scenes-detection-rpn.yaml, shrunk
    const detectorSet = [
      'backend=wasm',
      'seed=1',
      ...DATA,
      ...Object.entries(DETECTOR_OPTIONS).map(([k, v]) => `student.options.${k}=${v}`),
      'train.epochs=1',
      'train.batchSize=16',
    ].flatMap((s) => ['--set', s]);
    const detectorDir = join(cwd, 'detector');
    const d = await kd(['run', DETECTOR, '--run-dir', detectorDir, ...detectorSet], cwd);
    expect(d.code, d.stderr).toBe(0);
    const detector = JSON.parse(readFileSync(join(detectorDir, 'summary.json'), 'utf8')).student.test.last;

    // examples/scenes-vild-crops.yaml, shrunk the same way, initialised from that run and the tiny CLIP
    const set = (score: string) =>
      [
        'backend=wasm',
        'seed=1',
        ...DATA,
        ...Object.entries(DETECTOR_OPTIONS).map(([k, v]) => `student.options.detector.options.${k}=${v}`),
        'student.options.image.options.encoder.options.width=2',
        `student.options.image.options.heads=${JSON.stringify([{ name: 'embedding', outputs: 16 }])}`,
        `student.options.embeddings=${JSON.stringify(join(cwd, 'emb.json'))}`,
        `student.options.score=${score}`,
        `student.init[0].checkpoint=${JSON.stringify(detectorDir)}`,
        `student.init[1].recipe=${JSON.stringify(clip)}`,
      ].flatMap((s) => ['--set', s]);
    const r = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'crops'), ...set('geometric-mean')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/running it once/); // the class-embeddings step ran the recipe
    // every variable from one of the two sources: the detector under detector., the CLIP's image tower and projection under image.
    expect(r.stderr).toMatch(
      new RegExp(
        `^student: (\\d+) of (\\d+) variables initialised from checkpoint ${detectorDir}/student \\(student\\.init\\[0\\]\\)$`,
        'm',
      ),
    );
    expect(r.stderr).toMatch(
      /^student: \d+ of \d+ variables initialised from recipe \S+tiny-clip\.yaml \(student\.init\[1\]\)$/m,
    );
    expect(r.stderr).toMatch(/^student: (\d+) of \1 variables initialised by 2 sources; every variable initialised$/m);
    expect(r.stderr).toContain('train.epochs is 0: the student is evaluated as initialised, not trained');
    expect(r.stderr).not.toMatch(/^\[distill\] epoch/m);
    expect(r.stdout).toMatch(/^student +crop-classifier-detector .* test AP50 \d+\.\d{2}% \(last\)/m);

    const summary = JSON.parse(readFileSync(join(cwd, 'crops', 'summary.json'), 'utf8'));
    expect(summary.stages).toEqual([{ name: 'distill', epochs: 0, completed: true }]);
    const last = summary.student.test.last;
    expect(Object.keys(last).sort()).toEqual(['AP50', 'AP50.base', 'AP50.novel', 'loss']);
    for (const m of ['AP50', 'AP50.base', 'AP50.novel']) {
      expect(last[m], m).toBeGreaterThanOrEqual(0);
      expect(last[m], m).toBeLessThanOrEqual(1);
    }
    // the detector loaded as trained: the loss metric (its regionLogits) is the detector run's
    expect(last.loss).toBeCloseTo(detector.loss, 5);
    // the evaluation scores detections by regionScores: the CLIP scores change AP, not the loss
    const aps = (m: Record<string, number>) => ['AP50', 'AP50.base', 'AP50.novel'].map((k) => m[k]);
    expect(aps(last)).not.toEqual(aps(detector));
    const clipOnly = await kd(['run', EXAMPLE, '--run-dir', join(cwd, 'crops-clip'), ...set('clip')], cwd);
    expect(clipOnly.code, clipOnly.stderr).toBe(0);
    const other = JSON.parse(readFileSync(join(cwd, 'crops-clip', 'summary.json'), 'utf8')).student.test.last;
    expect(other.loss).toBe(last.loss);
    expect(aps(other)).not.toEqual(aps(last));
  });
});
