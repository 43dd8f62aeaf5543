import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspaceDirs } from '../../../tools/version.mjs';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  types?: string;
  files?: string[];
  license?: string;
  engines?: Record<string, string>;
  kd?: { plugin?: boolean };
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  /** Absolute folder in the repository. */
  readonly dir: string;
  /** Folder relative to the root, e.g. packages/core. */
  readonly path: string;
  readonly manifest: Manifest;
}

/** Every workspace project (packages/*, apps/*), from the root package.json's workspaces. */
export function workspacePackages(root = ROOT): WorkspacePackage[] {
  return workspaceDirs(root).map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    return { name: manifest.name, version: manifest.version, dir, path: relative(root, dir), manifest };
  });
}

/** The projects that are published (all but the private ones, e.g. this install test). */
export function publishablePackages(root = ROOT): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => p.manifest.private !== true);
}

/** Repository files a package's `npm pack` needs besides its own folder. */
const SHARED_FILES = ['tsconfig.base.json', 'LICENSE', 'tools/pack'];
/** Never copied: what is not the package's (node_modules is linked, reports are test output). */
const NOT_COPIED = new Set(['node_modules', 'reports']);

/**
 * A copy of the workspace's publishable packages in `dest`, laid out as in the repository, so that
 * packing and publishing there (prepack builds dist/ and swaps package.json) leaves the repository
 * untouched while other tests read its dist/ folders. `node_modules` folders are links to the
 * repository's (tsc, the types and the sibling sources through `@kd/source`). With `withDist`, the
 * packages' built dist/ folders are copied too. Returns the copied packages.
 */
export function stageWorkspace(
  dest: string,
  packages: readonly WorkspacePackage[],
  options: { withDist: boolean },
): WorkspacePackage[] {
  for (const file of SHARED_FILES) cpSync(join(ROOT, file), join(dest, file), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return packages.map((p) => {
    const to = join(dest, p.path);
    mkdirSync(to, { recursive: true });
    cpSync(p.dir, to, {
      recursive: true,
      filter: (src) => {
        const rel = relative(p.dir, src).split(/[\\/]/);
        if (NOT_COPIED.has(rel[0]!)) return false;
        return options.withDist || rel[0] !== 'dist';
      },
    });
    if (existsSync(join(p.dir, 'node_modules')))
      symlinkSync(join(p.dir, 'node_modules'), join(to, 'node_modules'), 'dir');
    return { ...p, dir: to };
  });
}
