import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A cache entry's own record of its files (size and SHA-256 of each), written when the entry is
 * published, so that a later reader can tell a complete entry from a damaged one (a truncated
 * weights file, a disk error, a hand edit) before it trusts it.
 */
export const ENTRY_MANIFEST = 'kd-cache-entry.json';

interface Manifest {
  readonly format: 'kd-cache-entry/1';
  readonly files: Readonly<Record<string, { size: number; sha256: string }>>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => f !== ENTRY_MANIFEST)
    .sort();
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Writes the manifest of every file under `dir` (call it on the finished copy, before publishing). */
export function writeEntryManifest(dir: string): void {
  const files = Object.fromEntries(
    filesUnder(dir).map((f) => [f, { size: statSync(join(dir, f)).size, sha256: sha256(join(dir, f)) }]),
  );
  const manifest: Manifest = { format: 'kd-cache-entry/1', files };
  writeFileSync(join(dir, ENTRY_MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
}

/**
 * What is wrong with the entry `dir`, or undefined when every file its manifest lists is there with
 * its size and checksum. An entry without a manifest (published by an older kd) is `'no manifest'`.
 */
export function entryProblem(dir: string): string | undefined {
  const path = join(dir, ENTRY_MANIFEST);
  if (!existsSync(path)) return 'no manifest';
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return `${ENTRY_MANIFEST} is not valid JSON`;
  }
  if (manifest.format !== 'kd-cache-entry/1' || typeof manifest.files !== 'object')
    return `${ENTRY_MANIFEST} has an unknown format`;
  for (const [file, want] of Object.entries(manifest.files)) {
    const full = join(dir, file);
    if (!existsSync(full)) return `${file} is missing`;
    const size = statSync(full).size;
    if (size !== want.size) return `${file} has ${size} bytes, ${want.size} when published`;
    if (sha256(full) !== want.sha256) return `${file} has another checksum than when published`;
  }
  return undefined;
}
