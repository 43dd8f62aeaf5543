import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { isPluginManifest, readManifest } from './package-entry.js';

/** A plugin to load: a package (installed, or the project kd runs in) or a module file a config names. */
export interface PluginPackage {
  /** The package name, or for a module file the path as written in the config. */
  readonly name: string;
  readonly version: string;
  /** The package folder (for a module file: its folder). */
  readonly dir: string;
  /** Where it came from: installed in node_modules, the project kd runs in, or named by a config / `--plugin`. */
  readonly source: 'installed' | 'project' | 'named';
  /** The module file to import; undefined for a package: its entry is looked up when it is loaded. */
  readonly file?: string;
}

/** The node_modules folders Node searches from `dir` upwards. */
export function modulesFolders(dir: string): string[] {
  return createRequire(join(resolve(dir), 'noop.js')).resolve.paths('x') ?? [];
}

/** Package folders directly in one node_modules folder (`name` and `@scope/name`). */
function packageFolders(modules: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(modules).sort();
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    if (!entry.startsWith('@')) {
      out.push(join(modules, entry));
      continue;
    }
    try {
      for (const inner of readdirSync(join(modules, entry)).sort()) out.push(join(modules, entry, inner));
    } catch {
      // not a folder
    }
  }
  return out;
}

/** The nearest folder at or above `dir` with a package.json: the project kd runs in. */
export function projectFolder(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

export interface DiscoverOptions {
  /** The folder kd runs in (default the working directory): its project and its node_modules are searched. */
  readonly cwd?: string;
  /** Where kd itself is installed (default this module): its node_modules are searched too. */
  readonly from?: string | URL;
}

/**
 * Finds the plugins kd loads without being told: every package, whatever its name or scope, in the
 * node_modules folders Node searches from the working directory and from kd's own install, whose
 * package.json says `"kd": {"plugin": true}`, and the project kd runs in when its own package.json
 * says so. The first occurrence of a name wins, as in Node's resolution; sorted by name.
 */
export function discoverPlugins(options: DiscoverOptions = {}): PluginPackage[] {
  const cwd = options.cwd ?? process.cwd();
  const found = new Map<string, PluginPackage>();
  const project = projectFolder(cwd);
  const own = project ? readManifest(project) : undefined;
  if (project && own?.name && isPluginManifest(own))
    found.set(own.name, { name: own.name, version: own.version ?? '0.0.0', dir: project, source: 'project' });
  const self = createRequire(options.from ?? import.meta.url).resolve.paths('x') ?? [];
  for (const modules of new Set([...modulesFolders(cwd), ...self])) {
    for (const dir of packageFolders(modules)) {
      const manifest = readManifest(dir);
      if (!manifest?.name || !isPluginManifest(manifest) || found.has(manifest.name)) continue;
      found.set(manifest.name, { name: manifest.name, version: manifest.version ?? '0.0.0', dir, source: 'installed' });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
