import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, shrunkVild, tempDir, tinyClipConfig, writeFile } from '../../test/kd.js';

const SWEEP = example('scenes-vild.sweep.yaml');
const CELLS = ['supervised-base', 'vild-text', 'vild-image', 'vild', 'vild-w1', 'vild-w2', 'oracle', 'ensemble'];

describe("ViLD's ablation sweep end to end: every cell of examples/scenes-vild.sweep.yaml, tiny", () => {
  it('runs the 8 cells (one seed, two at a time), each with its own terms, into one AP50 all/base/novel table', async () => {
    const cwd = tempDir('vild-sweep');
    const teacher = writeFile(cwd, 'tiny-clip.yaml', tinyClipConfig());
    const emb = await kd(['text', 'class-embeddings', teacher, '--out', 'emb.json'], cwd);
    expect(emb.code, emb.stderr).toBe(0);

    // the sweep's base (scenes-vild.yaml) shrunk as vild.test.ts shrinks it; the cells then switch their parts
    const set = shrunkVild(join(cwd, 'emb.json'), teacher);
    const r = await kd(
      ['sweep', SWEEP, '--seeds', '1', '--jobs', '2', '--out', join(cwd, 'sweeps'), '-q', ...set],
      cwd,
      400_000,
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);

    const dir = join(cwd, 'sweeps', 'scenes-vild');
    const results = readFileSync(join(dir, 'results.md'), 'utf8');
    for (const cell of CELLS) expect(results, cell).toMatch(new RegExp(`^\\| \`${cell}\` +\\| +1 \\|`, 'm'));
    expect(results).toMatch(/AP50\.novel/);
    const log = (cell: string) => readFileSync(join(dir, cell, 'seed-1', 'log.txt'), 'utf8');
    const epoch = (cell: string) => log(cell).match(/^\[distill\] epoch 1\/1 .*$/m)?.[0] ?? '';
    // which terms each cell trains: the task's alone, without cls (ViLD-image), with vild.image at its weight
    expect(epoch('supervised-base')).toMatch(/task\.cls .*task\.rpn_box \d+\.\d{4}\)/);
    expect(epoch('supervised-base')).not.toMatch(/vild\.image/);
    expect(epoch('vild-text')).not.toMatch(/vild\.image/);
    expect(epoch('vild-image')).toMatch(/vild\.image/);
    expect(epoch('vild-image')).not.toMatch(/task\.cls/);
    for (const cell of ['vild', 'vild-w1', 'vild-w2', 'ensemble'])
      expect(epoch(cell), cell).toMatch(/task\.cls .*vild\.image/);
    const summary = (cell: string) => JSON.parse(readFileSync(join(dir, cell, 'seed-1', 'summary.json'), 'utf8'));
    // the oracle trains on the novel boxes too; the others leave them unannotated
    expect(readConfig(dir, 'oracle').data.options.annotateNovel).toBe(true);
    expect(readConfig(dir, 'supervised-base').data.options.annotateNovel).toBeUndefined();
    for (const cell of CELLS) expect(summary(cell).student.test.last['AP50.novel'], cell).toBeGreaterThanOrEqual(0);
  });
});

function readConfig(dir: string, cell: string) {
  return JSON.parse(readFileSync(join(dir, cell, 'seed-1', 'config.json'), 'utf8'));
}
