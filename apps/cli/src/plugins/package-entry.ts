import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The parts of a package.json plugin discovery reads. */
export interface PluginManifest {
  readonly name?: string;
  readonly version?: string;
  readonly main?: string;
  readonly exports?: unknown;
  readonly kd?: { readonly plugin?: unknown };
}

/** The package.json in `dir`, or undefined when there is none or it is not JSON. */
export function readManifest(dir: string): PluginManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PluginManifest;
  } catch {
    return undefined;
  }
}

/** Whether a package.json marks its package as a kd plugin (`"kd": {"plugin": true}`). */
export const isPluginManifest = (m: PluginManifest | undefined): boolean => m?.kd?.plugin === true;

/** The import target of an `exports` value, as Node picks it for `import` (conditions node, import, default). */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = exportTarget(v);
      if (t) return t;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const map = value as Record<string, unknown>;
  if ('.' in map) return exportTarget(map['.']);
  for (const condition of ['node', 'import', 'default']) {
    const t = condition in map ? exportTarget(map[condition]) : undefined;
    if (t) return t;
  }
  return undefined;
}

/**
 * The file `import('<package>')` loads for the package in `dir`: its `exports` main entry, else
 * `main`, else index.js. Undefined when that file does not exist (e.g. the package is not built).
 */
export function packageEntry(dir: string, manifest: PluginManifest): string | undefined {
  const target = exportTarget(manifest.exports) ?? manifest.main ?? 'index.js';
  const file = resolve(dir, target);
  if (existsSync(file)) return file;
  return existsSync(`${file}.js`) ? `${file}.js` : undefined;
}
