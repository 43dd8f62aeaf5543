// What a workspace package.json becomes in the published tarball, and the backup/restore of the
// repository's own package.json around `npm pack` / `npm publish` (see prepack.mjs).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The export condition that points the workspace's tsc and vitest at a sibling's TypeScript source. */
export const SOURCE_CONDITION = '@kd/source';

/** Next to package.json while a pack is under way; a leftover one means a pack was interrupted. */
export const BACKUP = 'package.json.kd-pack-backup';

/** Fields only the workspace reads (nx's project settings), left out of the published manifest. */
const WORKSPACE_ONLY_FIELDS = ['nx'];

function withoutSourceCondition(exports) {
  if (Array.isArray(exports)) return exports.map(withoutSourceCondition);
  if (exports === null || typeof exports !== 'object') return exports;
  const out = {};
  for (const [key, value] of Object.entries(exports)) {
    if (key !== SOURCE_CONDITION) out[key] = withoutSourceCondition(value);
  }
  return out;
}

/**
 * The manifest users get: the repository's package.json without the `@kd/source` export condition
 * (src/ is not shipped) and without workspace-only fields. Everything else (scripts included: npm
 * runs `postpublish` from the manifest it publishes) is kept as written.
 */
export function publishManifest(manifest) {
  const out = { ...manifest };
  if (out.exports !== undefined) out.exports = withoutSourceCondition(out.exports);
  for (const field of WORKSPACE_ONLY_FIELDS) delete out[field];
  return out;
}

export function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Puts back the repository's package.json from a backup left by a pack; true when there was one. */
export function restoreManifest(dir) {
  const backup = join(dir, BACKUP);
  if (!existsSync(backup)) return false;
  renameSync(backup, join(dir, 'package.json'));
  return true;
}

/** Saves the repository's package.json as the backup and writes the publish manifest in its place. */
export function writePublishManifest(dir) {
  const path = join(dir, 'package.json');
  const text = readFileSync(path, 'utf8');
  writeFileSync(join(dir, BACKUP), text);
  writeFileSync(path, `${JSON.stringify(publishManifest(JSON.parse(text)), null, 2)}\n`);
}
