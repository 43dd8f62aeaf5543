import { UserError } from '@kd/core';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type RawConfig = Record<string, unknown>;

export function isMapping(value: unknown): value is RawConfig {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads a YAML or JSON file that must hold a mapping, without validating it (sweeps merge before validating). */
export function readMappingFile(path: string, what = 'config file'): RawConfig {
  if (!existsSync(path)) throw new UserError(`${what} not found: ${path}`);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(`cannot parse ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(raw)) throw new UserError(`${path}: the ${what} must be a mapping`);
  return raw;
}

/**
 * Merges an override onto a config: mappings merge key by key, anything else (lists included)
 * replaces, and `null` removes the key (e.g. `teacher: null`). Neither input is modified.
 */
export function deepMerge(base: RawConfig, override: RawConfig): RawConfig {
  const out: RawConfig = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isMapping(value) && isMapping(out[key])) out[key] = deepMerge(out[key] as RawConfig, value);
    else out[key] = structuredClone(value);
  }
  return out;
}
