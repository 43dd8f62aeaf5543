import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (the nx test target depends on build). */
export const KD = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

export interface KdResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/main.js …args` in `cwd` (not a TTY: plain progress lines). */
export function kd(args: readonly string[], cwd: string, timeoutMs = 170_000): Promise<KdResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [KD, ...args],
      { cwd, timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kd-cli-${prefix}-`));
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Every entry below `dir`, as relative paths (for "nothing was written" checks). */
export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

/** A tiny MNIST run: 256 training digits, a narrow ResNet-8 teacher and a width-2 CNN, 1 epoch each. */
export function tinyConfig(extra = ''): string {
  return `name: tiny
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: 256, val: 200, test: 200 }
teacher:
  arch: resnet8
  options: { width: 4 }
  train: { epochs: 1, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
student:
  arch: cnn
  options: { width: 2 }
train: { epochs: 1, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
methods:
  - id: kd
${extra}`;
}

/** A config in the repository's examples/ folder, by file name. */
export function example(name: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', name);
}

/** A tiny CLIP-like teacher on captioned MNIST (256 digits, 1 epoch, embeddings of 16): a recipe for the vision-language e2e tests. */
export function tinyClipConfig(clipHparams = ''): string {
  return [
    'name: tiny-clip',
    'backend: wasm',
    'data:',
    '  dataset: captioned',
    '  options: { base: mnist, baseOptions: { trainSize: 256, val: 100, test: 100 }, length: 24 }',
    'student:',
    '  arch: clip',
    '  options: { image: { arch: cnn, options: { width: 2 } }, embedDim: 16, text: { kind: bag, dModel: 16 } }',
    'task: { weight: 0 }',
    'train: { epochs: 1, batchSize: 64 }',
    `methods: [{ id: clip${clipHparams ? `, hparams: ${clipHparams}` : ''} }]`,
  ].join('\n');
}

/**
 * A tiny CLIP-like teacher on captioned MNIST digits and Fashion-MNIST items (20 classes: 128 of
 * each, 1 epoch, embeddings of 16): tinyClipConfig's model on base mnist+fashion-mnist.
 */
export function tinyMnistFashionClipConfig(): string {
  return tinyClipConfig()
    .replace('name: tiny-clip', 'name: tiny-mnist-fashion-clip')
    .replace(
      '{ base: mnist, baseOptions: { trainSize: 256, val: 100, test: 100 }, length: 24 }',
      '{ base: mnist+fashion-mnist, baseOptions: { mnist: { trainSize: 128, val: 50, test: 50 }, fashionMnist: { trainSize: 128, val: 50, test: 50 } }, length: 24 }',
    );
}

/**
 * `--set` arguments that shrink examples/scenes-vild.yaml (and the configs built on it: the ensemble,
 * the ablation sweep's base) to a tiny run on MNIST scenes: 32/16/16 scenes, a 4-wide detector with
 * 16 regions and 8 distillation proposals, the class embeddings `embeddings` and a crop teacher of the
 * tiny CLIP recipe `teacherRecipe` (tinyClipConfig's: width 2, embeddings of 16), 1 epoch of batch 16.
 */
export function shrunkVild(embeddings: string, teacherRecipe: string, extra: readonly string[] = []): string[] {
  return [
    'backend=wasm',
    'data.options.items=mnist',
    'data.options.train=32',
    'data.options.val=16',
    'data.options.test=16',
    'student.options.width=4',
    'student.options.hidden=32',
    'student.options.regions=16',
    'student.options.distill.count=8',
    `student.options.classifier.embeddings=${JSON.stringify(embeddings)}`,
    'teacher.options.regions=8',
    'teacher.options.image.options.encoder.options.width=2',
    `teacher.options.image.options.heads=${JSON.stringify([{ name: 'embedding', outputs: 16 }, { name: 'logits' }])}`,
    `teacher.init.recipe=${JSON.stringify(teacherRecipe)}`,
    'train.epochs=1',
    'train.batchSize=16',
    ...extra,
  ].flatMap((s) => ['--set', s]);
}
