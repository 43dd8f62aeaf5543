import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelVariables } from '@kd/runner';
import { describe, expect, it } from 'vitest';
import { kd, listTree, tempDir, writeFile } from '../../test/kd.js';

const config = (dataset: string, options = 'maskAttention: true, maskPool: 4') =>
  [
    'name: tiny-rvl-bert',
    'seed: 1',
    'backend: wasm',
    'data:',
    `  dataset: ${dataset}`,
    ...(dataset === 'scene-captions' ? ['  options:'] : []),
    ...(dataset === 'scene-captions'
      ? [
          '    scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 16, test: 16, maxObjects: 3 }',
          '    length: 10',
        ]
      : ['  options: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 16, test: 16, maxObjects: 3 }']),
    'student:',
    '  arch: rvl-bert',
    `  options: { width: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32, ${options} }`,
    'task: { id: relationships }',
    'train: { epochs: 2, batchSize: 8, optimizer: { type: adam, lr: 0.002 } }',
    ...(options.includes('maskAttention: true') ? ['methods: [{ id: rvl-bert }]'] : []),
  ].join('\n');

/** RVL-BERT (in progress, issue 20): the architecture on scene relationships, tiny, without a pre-trained encoder yet. */
describe('kd run: rvl-bert on scene-captions with the relationships task', () => {
  it('trains the per-pair model with the mask module (and its mask loss, method rvl-bert) and the spatial module; R@50 and verification are reported', async () => {
    const cwd = tempDir('rvl-bert');
    const r = await kd(
      ['run', writeFile(cwd, 'rvl.yaml', config('scene-captions')), '--run-dir', join(cwd, 'run')],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 2\/2 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, rvl-bert\.mask \d+\.\d{4}\) {2}val R@50 \d+\.\d{2}%/m,
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8'));
    expect(summary.student.arch).toBe('rvl-bert');
    expect(summary.task.id).toBe('relationships');
    expect(summary.student.test.last['R@50']).toBeGreaterThanOrEqual(0);
    expect(summary.student.test.last['verification']).toBeGreaterThan(0);
  });

  it("before training, the answer classifier's predicate rows are their names' mean word embedding and every bias 0 (train.epochs 0)", async () => {
    const cwd = tempDir('rvl-bert-init');
    const r = await kd(
      [
        'run',
        writeFile(cwd, 'rvl.yaml', config('scene-captions')),
        '--set',
        'train.epochs=0',
        '--run-dir',
        join(cwd, 'run'),
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const vars = readModelVariables(join(cwd, 'run', 'student'));
    const bias = vars['answer.classifier.bias']!.dataSync();
    expect(bias.length).toBe(7); // background + 6 scene predicates
    expect(Array.from(bias).every((b) => b === 0)).toBe(true);
    // each predicate row is the mean embedding of its name's words: 'left-of' of two table rows, 'above' one row
    const table = vars['encoder.vl.tokens.weight']!.arraySync() as number[][];
    const w = vars['answer.classifier.weight']!.arraySync() as number[][]; // [d, 7]
    const column = (c: number) => w.map((row) => row[c]!);
    const near = (a: number[], b: number[]) => a.every((v, j) => Math.abs(v - b[j]!) < 1e-5);
    const pairs: [number, number][] = [];
    table.forEach((a, i) =>
      table.forEach((b, j) => {
        if (
          i < j &&
          near(
            column(1),
            a.map((v, k) => (v + b[k]!) / 2),
          )
        )
          pairs.push([i, j]);
      }),
    );
    expect(pairs).toHaveLength(1);
    expect(table.filter((row) => near(column(3), row))).toHaveLength(1);
  });

  it('a dataset without text is refused at build time in one line, nothing written', async () => {
    const cwd = tempDir('rvl-bert-no-text');
    const r = await kd(['run', writeFile(cwd, 'rvl.yaml', config('scenes')), '--run-dir', join(cwd, 'run')], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^kd: config field 'student\.arch': rvl-bert needs scenes with a text vocabulary/);
    expect(listTree(cwd)).toEqual(['rvl.yaml']);
  });
});
