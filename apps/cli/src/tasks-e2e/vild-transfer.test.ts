import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir, tinyClipConfig, tinyMnistFashionClipConfig, writeFile } from '../../test/kd.js';

const TRAIN = example('scenes-vild-transfer.yaml');
const EVALUATE = example('scenes-vild-transfer-mnist.yaml');
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

interface EmbeddingsFile {
  classes: string[];
  dim: number;
  embeddings: number[][];
  source: Record<string, unknown>;
}

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as EmbeddingsFile;
const weightsOf = (runDir: string) => readFileSync(join(runDir, 'student', 'group1-shard1of1.bin'));

describe('ViLD transfer without fine-tuning: a detector trained on Fashion-MNIST scenes, evaluated on MNIST scenes with the classifier swapped', () => {
  it('kd text class-embeddings --classes-of embeds another dataset’s class names in its order, then the trained detector is evaluated on MNIST scenes with epochs 0', async () => {
    const cwd = tempDir('vild-transfer');
    const teacher = writeFile(cwd, 'tiny-mnist-fashion-clip.yaml', tinyMnistFashionClipConfig());
    const own = await kd(['text', 'class-embeddings', teacher, '--out', 'own.json'], cwd);
    expect(own.code, own.stderr).toBe(0);
    const all = read(join(cwd, 'own.json'));
    expect(all.classes).toEqual([...DIGITS, ...FASHION]);

    // the Fashion-MNIST scenes' classes (scenes-vild-transfer.yaml) and the MNIST scenes' (…-mnist.yaml)
    const fashion = await kd(
      ['text', 'class-embeddings', teacher, '--classes-of', TRAIN, '--out', 'fashion.json'],
      cwd,
    );
    expect(fashion.code, fashion.stderr).toBe(0);
    expect(fashion.stdout).toMatch(
      /^10 class embeddings \(16-d\) of \S+ for the classes of scenes-fashion-mnist \(\S+scenes-vild-transfer\.yaml\) → fashion\.json$/m,
    );
    const mnist = await kd(['text', 'class-embeddings', teacher, '--classes-of', EVALUATE, '--out', 'mnist.json'], cwd);
    expect(mnist.code, mnist.stderr).toBe(0);
    const f = read(join(cwd, 'fashion.json'));
    const m = read(join(cwd, 'mnist.json'));
    expect(f.classes).toEqual(FASHION);
    expect(m.classes).toEqual(DIGITS);
    expect(f.source).toMatchObject({
      arch: 'clip',
      dataset: 'mnist+fashion-mnist-captioned',
      classesOf: { dataset: 'scenes-fashion-mnist' },
    });
    // the same text tower and prompts: the teacher's own embeddings of those names
    const close = (a: number[][], b: number[][]) =>
      expect(Math.max(...a.flatMap((r, i) => r.map((x, j) => Math.abs(x - b[i]![j]!))))).toBeLessThan(1e-5);
    close(m.embeddings, all.embeddings.slice(0, 10));
    close(f.embeddings, all.embeddings.slice(10));
    for (const row of [...f.embeddings, ...m.embeddings]) expect(Math.hypot(...row)).toBeCloseTo(1, 5);

    // train: scenes-vild-transfer.yaml, shrunk, its crop teacher from the same recipe
    const shrink = [
      'data.options.train=32',
      'data.options.val=16',
      'data.options.test=16',
      'student.options.width=4',
      'student.options.hidden=32',
      'student.options.regions=16',
    ];
    const train = [
      'backend=wasm',
      'seed=1',
      ...shrink,
      'student.options.distill.count=8',
      `student.options.classifier.embeddings=${JSON.stringify(join(cwd, 'fashion.json'))}`,
      'teacher.options.regions=8',
      'teacher.options.image.options.encoder.options.width=2',
      `teacher.options.image.options.heads=${JSON.stringify([{ name: 'embedding', outputs: 16 }, { name: 'logits' }])}`,
      `teacher.init.recipe=${JSON.stringify(teacher)}`,
      'train.epochs=1',
      'train.batchSize=16',
    ].flatMap((s) => ['--set', s]);
    const trained = join(cwd, 'run');
    const r = await kd(['run', TRAIN, '--run-dir', trained, ...train], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/running it once/); // the class-embeddings steps ran the recipe
    // the CLIP's image tower and projection load into the crop teacher; its 20-class head is left out
    expect(r.stderr).toContain(
      `teacher: 17 of 21 variables initialised from recipe ${teacher}; not initialised: image.encoder.fc.weight, image.encoder.fc.bias, image.heads.logits.fc1.weight, image.heads.logits.fc1.bias`,
    );

    // evaluate: scenes-vild-transfer-mnist.yaml, shrunk alike, the trained run as student.init.checkpoint
    const evaluate = [
      'backend=wasm',
      ...shrink,
      `student.options.classifier.embeddings=${JSON.stringify(join(cwd, 'mnist.json'))}`,
      `student.init.checkpoint=${JSON.stringify(trained)}`,
    ].flatMap((s) => ['--set', s]);
    const e = await kd(['run', EVALUATE, '--run-dir', join(cwd, 'eval'), ...evaluate], cwd);
    expect(e.code, e.stderr).toBe(0);
    // the classifier's variables do not depend on the class count: every variable of the 10-class
    // MNIST detector is the 10-class Fashion detector's, none saved is left over
    expect(e.stderr).toMatch(
      /^student: (\d+) of \1 variables initialised from checkpoint \S+; every variable initialised$/m,
    );
    expect(e.stderr).toContain('train.epochs is 0: the student is evaluated as initialised, not trained');
    expect(e.stderr).not.toMatch(/\[distill\] epoch/);
    const summary = JSON.parse(readFileSync(join(cwd, 'eval', 'summary.json'), 'utf8'));
    expect(summary.methods).toEqual([]);
    expect(summary.teachers ?? []).toEqual([]);
    const last = summary.student.test.last;
    expect(last['AP50']).toBeGreaterThanOrEqual(0);
    expect(last['AP50']).toBeLessThanOrEqual(1);
    // the evaluated weights are the trained ones, bit for bit
    expect(weightsOf(join(cwd, 'eval')).equals(weightsOf(trained))).toBe(true);
  }, 600_000);

  it('a class name with words the teacher never read is a one-line error naming it (exit 2)', async () => {
    const cwd = tempDir('vild-transfer-vocab');
    const digitsOnly = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const r = await kd(['text', 'class-embeddings', digitsOnly, '--classes-of', TRAIN, '--out', 'x.json'], cwd);
    expect(r.code).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/^recipe |^\[/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /--classes-of \S+scenes-vild-transfer\.yaml \(scenes-fashion-mnist\): class 'T-shirt\/top' has words outside the teacher's vocabulary \(t, shirt\)/,
    );
  }, 600_000);
});
