import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishDir } from './publish-dir.js';

function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}
const complete = (dir: string) => existsSync(join(dir, 'model.json'));

describe('publishDir (the teacher cache)', () => {
  it('copies the folder into place and leaves no temporary copy', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    const src = folder(root, 'run', { 'model.json': 'mine', 'weights.bin': 'w' });
    publishDir(src, join(root, 'cache'), complete);
    expect(readFileSync(join(root, 'cache', 'model.json'), 'utf8')).toBe('mine');
    expect(readFileSync(join(root, 'cache', 'weights.bin'), 'utf8')).toBe('w');
    expect(readdirSync(root).sort()).toEqual(['cache', 'run']);
    expect(existsSync(src)).toBe(true);
  });

  it('keeps a complete entry another process published first', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    folder(root, 'cache', { 'model.json': 'theirs' });
    publishDir(folder(root, 'run', { 'model.json': 'mine' }), join(root, 'cache'), complete);
    expect(readFileSync(join(root, 'cache', 'model.json'), 'utf8')).toBe('theirs');
    expect(readdirSync(root).sort()).toEqual(['cache', 'run']);
  });

  it('replaces an incomplete entry (e.g. a copy cut short by an older version)', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    folder(root, 'cache', { 'weights.bin': 'partial' });
    publishDir(folder(root, 'run', { 'model.json': 'mine' }), join(root, 'cache'), complete);
    expect(readdirSync(join(root, 'cache'))).toEqual(['model.json']);
  });
});
