import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../test/kd.js';

describe('kd text captions', () => {
  const cwd = tempDir('captions');
  const config = writeFile(
    cwd,
    'c.yaml',
    'name: c\nseed: 3\ncacheDir: cache\ndata: { dataset: mnist }\nstudent: { arch: cnn }\n',
  );

  it('captions a split with the template captioner once, then reads the cache', async () => {
    const first = await kd(['text', 'captions', config, '--split', 'val', '--count', '20', '--show', '1'], cwd);
    expect(first.code, first.stderr).toBe(0);
    const m = /^captioned: 20 val samples of mnist by template → (cache\/captions\/[0-9a-f]+\.json)$/m.exec(
      first.stdout,
    );
    expect(m, first.stdout).not.toBeNull();
    expect(existsSync(join(cwd, m![1]!))).toBe(true);
    expect(first.stdout).toMatch(/^ {2}#\d+ \(\d\): .+ \| .+/m); // general | targeted captions
    const again = await kd(['text', 'captions', config, '--split', 'val', '--count', '20', '--show', '0'], cwd);
    expect(again.stdout).toBe(`cached: 20 val samples of mnist by template → ${m![1]}\n`);
  });

  it('reads a hand-written JSON Lines file keyed by split index, and names missing ids in one line', async () => {
    const file = writeFile(
      cwd,
      'mine.jsonl',
      '{"id": 0, "captions": ["a round zero"]}\n{"id": 1, "general": "a thin stroke", "targeted": ["this is a one"]}\n',
    );
    const ok = await kd(
      ['text', 'captions', config, '--split', 'test', '--count', '2', '--key', 'index', '--file', file],
      cwd,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('  #0 (');
    expect(ok.stdout).toContain('): a thin stroke | this is a one');
    const cacheFile = /→ (\S+)$/m.exec(ok.stdout)![1]!;
    expect(JSON.parse(readFileSync(join(cwd, cacheFile), 'utf8')).captions[0]).toEqual({
      general: ['a round zero'],
      targeted: [],
    });
    const missing = await kd(
      ['text', 'captions', config, '--split', 'test', '--count', '3', '--key', 'index', '--file', file],
      cwd,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`kd: ${file}: no captions for 1 of 3 samples (ids 2)\n`);
  });

  it("a 'captioned' config: options that contradict it are refused before anything is written; plain, it caches the captions its runs use", async () => {
    const captioned = writeFile(
      cwd,
      'captioned.yaml',
      'name: cap\nseed: 3\ndata: { dataset: captioned, options: { base: mnist, cacheDir: capcache, baseOptions: { trainSize: 64, val: 20, test: 20 } } }\nstudent: { arch: cnn }\n',
    );
    const refused = await kd(['text', 'captions', captioned, '--count', '5'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^kd: .*captioned\.yaml: dataset 'captioned' captions its samples as data\.options says/,
    );
    expect(existsSync(join(cwd, 'capcache'))).toBe(false);
    const ok = await kd(['text', 'captions', captioned, '--show', '1'], cwd);
    expect(ok.code, ok.stderr).toBe(0);
    const m = /^captioned: 64 train samples of mnist by template → (capcache\/captions\/[0-9a-f]+\.json)$/m.exec(
      ok.stdout,
    );
    expect(m, ok.stdout).not.toBeNull();
    expect(existsSync(join(cwd, m![1]!))).toBe(true);
    expect(ok.stdout).toMatch(/^ {2}#0 \(\d\): .+/m);
  });
});
