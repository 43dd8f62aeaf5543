import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTRY_MANIFEST, entryProblem } from './cache-entry.js';
import { publishDir } from './publish-dir.js';

function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe('publishDir (the teacher cache)', () => {
  it('copies the folder into place with a manifest and leaves no temporary copy', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    const src = folder(root, 'run', { 'model.json': 'mine', 'weights.bin': 'w' });
    publishDir(src, join(root, 'cache'));
    expect(readFileSync(join(root, 'cache', 'model.json'), 'utf8')).toBe('mine');
    expect(readFileSync(join(root, 'cache', 'weights.bin'), 'utf8')).toBe('w');
    expect(readdirSync(join(root, 'cache')).sort()).toEqual([ENTRY_MANIFEST, 'model.json', 'weights.bin']);
    expect(entryProblem(join(root, 'cache'))).toBeUndefined();
    expect(readdirSync(root).sort()).toEqual(['cache', 'run']);
    expect(existsSync(src)).toBe(true);
  });

  it('keeps an intact entry another process published first', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    publishDir(folder(root, 'theirs', { 'model.json': 'theirs' }), join(root, 'cache'));
    publishDir(folder(root, 'run', { 'model.json': 'mine' }), join(root, 'cache'));
    expect(readFileSync(join(root, 'cache', 'model.json'), 'utf8')).toBe('theirs');
    expect(readdirSync(root).sort()).toEqual(['cache', 'run', 'theirs']);
  });

  it('replaces an incomplete or damaged entry', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-publish-'));
    folder(root, 'cache', { 'weights.bin': 'partial' }); // no manifest: cut short by an older version
    publishDir(folder(root, 'run', { 'model.json': 'mine' }), join(root, 'cache'));
    expect(readdirSync(join(root, 'cache')).sort()).toEqual([ENTRY_MANIFEST, 'model.json']);
    writeFileSync(join(root, 'cache', 'model.json'), 'mind'); // same size, other bytes
    publishDir(folder(root, 'run2', { 'model.json': 'new!' }), join(root, 'cache'));
    expect(readFileSync(join(root, 'cache', 'model.json'), 'utf8')).toBe('new!');
  });
});

describe('entryProblem: a cache entry checks itself', () => {
  it('names a truncated, missing or altered file', () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-entry-'));
    const entry = join(root, 'entry');
    publishDir(folder(root, 'src', { 'model.json': '{"a":1}', 'group1-shard1of1.bin': 'x'.repeat(64) }), entry);
    expect(entryProblem(entry)).toBeUndefined();
    truncateSync(join(entry, 'group1-shard1of1.bin'), 10);
    expect(entryProblem(entry)).toBe('group1-shard1of1.bin has 10 bytes, 64 when published');
    writeFileSync(join(entry, 'group1-shard1of1.bin'), 'y'.repeat(64));
    expect(entryProblem(entry)).toBe('group1-shard1of1.bin has another checksum than when published');
    writeFileSync(join(entry, ENTRY_MANIFEST), '{');
    expect(entryProblem(entry)).toBe(`${ENTRY_MANIFEST} is not valid JSON`);
    expect(entryProblem(join(root, 'src'))).toBe('no manifest');
  });
});
