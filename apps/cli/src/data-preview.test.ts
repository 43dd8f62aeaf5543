import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@kd/preview';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../test/kd.js';

describe('kd data preview', () => {
  const cwd = tempDir('preview');

  it('writes a PNG grid of the first samples with their class names', async () => {
    const config = writeFile(
      cwd,
      'lt.yaml',
      'name: p\ndata:\n  dataset: mnist\n  options: { longTail: { imbalance: 10 } }\nstudent: { arch: cnn }\n',
    );
    const out = join(cwd, 'p.png');
    const r = await kd(
      ['data', 'preview', config, '--count', '6', '--columns', '3', '--split', 'test', '--out', out],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${out} (6 test samples of mnist-lt10)\n`);
    const png = decodePng(readFileSync(out));
    // 3 columns × 2 rows of 28×28 digits scaled ×4 (112 px) plus margins, captions and a title
    expect(png.width).toBeGreaterThan(3 * 112);
    expect(png.height).toBeGreaterThan(2 * 112);
    let bright = 0;
    for (let i = 0; i < png.data.length; i += png.channels) if (png.data[i]! > 200) bright++;
    expect(bright).toBeGreaterThan(500); // digits (and text) were drawn
  });

  it('defaults to <outDir>/preview-<dataset>-<split>.png', async () => {
    const config = writeFile(
      cwd,
      'plain.yaml',
      'name: q\noutDir: previews\ndata: { dataset: mnist }\nstudent: { arch: cnn }\n',
    );
    const r = await kd(['data', 'preview', config, '--count', '2'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'previews', 'preview-mnist-train.png'))).toBe(true);
  });

  it('a bad dataset option is one line and exit code 2, and nothing is written', async () => {
    const config = writeFile(
      cwd,
      'bad.yaml',
      'name: b\noutDir: bad\ndata: { dataset: mnist, options: { longTail: { imbalance: 0.5 } } }\nstudent: { arch: cnn }\n',
    );
    const r = await kd(['data', 'preview', config], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/data\.options\.longTail\.imbalance/);
    expect(existsSync(join(cwd, 'bad'))).toBe(false);
  });
});
