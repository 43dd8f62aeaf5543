#!/usr/bin/env node
// Moves every workspace package to one new version together:
//   node tools/version.mjs <new-version> [--no-lockfile]
// sets "version" in every workspace package.json and every range on a workspace package (in
// dependencies, devDependencies, peerDependencies, optionalDependencies) to exactly that version,
// then brings package-lock.json along (`npm install --package-lock-only`). KD_ROOT names another
// workspace root (tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The workspace's package folders, from the root package.json's `workspaces` ("dir/*" entries). */
export function workspaceDirs(root) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of workspaces) {
    if (!pattern.endsWith('/*')) {
      dirs.push(join(root, pattern));
      continue;
    }
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json')))
        dirs.push(join(parent, entry.name));
    }
  }
  return dirs;
}

/** Sets every workspace package's version and every internal range to `version`; returns the files written. */
export function setVersion(root, version) {
  if (!SEMVER.test(version)) throw new Error(`not a version: '${version}' (expected e.g. 0.2.0 or 1.0.0-rc.1)`);
  const dirs = workspaceDirs(root);
  const manifests = dirs.map((dir) => ({ path: join(dir, 'package.json') }));
  for (const m of manifests) m.json = JSON.parse(readFileSync(m.path, 'utf8'));
  const internal = new Set(manifests.map((m) => m.json.name));
  for (const { json } of manifests) {
    json.version = version;
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(json[field] ?? {})) if (internal.has(name)) json[field][name] = version;
    }
  }
  for (const { path, json } of manifests) writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return manifests.map((m) => m.path);
}

function main(argv) {
  const version = argv.find((a) => !a.startsWith('--'));
  if (!version) {
    console.error('usage: node tools/version.mjs <new-version> [--no-lockfile]');
    return 2;
  }
  const root = resolve(process.env.KD_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  let files;
  try {
    files = setVersion(root, version);
  } catch (e) {
    console.error(`version: ${e.message}`);
    return 2;
  }
  console.log(`version: ${files.length} packages at ${version}`);
  if (argv.includes('--no-lockfile')) return 0;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const lock = spawnSync(npm, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
  return lock.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exit(main(process.argv.slice(2)));
