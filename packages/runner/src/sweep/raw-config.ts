import { UserError } from '@kd/core';
import { existsSync, readFileSync } from 'node:fs';
import { parseCoreYaml } from '../config/core-yaml.js';
import { FORBIDDEN_KEYS, unsafeValueReason } from '../config/unsafe-keys.js';

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
    raw = path.endsWith('.json') ? JSON.parse(text) : parseCoreYaml(text);
  } catch (e) {
    throw new UserError(`cannot parse ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(raw)) throw new UserError(`${path}: the ${what} must be a mapping`);
  return raw;
}

function mergeAt(base: RawConfig, override: RawConfig, at: string): RawConfig {
  const out: RawConfig = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const here = at ? `${at}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key))
      throw new UserError(
        `override key '${here}': '${key}' is not allowed as a config key (it would reach JavaScript object prototypes)`,
      );
    // own keys only: `toString` is a new key, not Object.prototype.toString
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    if (value === null) delete out[key];
    else if (isMapping(value) && isMapping(current)) out[key] = mergeAt(current, value, here);
    else {
      const unsafe = unsafeValueReason(value, here);
      if (unsafe) throw new UserError(`override key '${here}': ${unsafe}`);
      out[key] = structuredClone(value);
    }
  }
  return out;
}

/**
 * Merges an override onto a config: mappings merge key by key, anything else (lists included)
 * replaces, and `null` removes the key (e.g. `teacher: null`). Neither input is modified. A key
 * `__proto__`, `constructor` or `prototype` anywhere in the override is a UserError naming it (a
 * variant file must not reach JavaScript object prototypes).
 */
export function deepMerge(base: RawConfig, override: RawConfig): RawConfig {
  return mergeAt(base, override, '');
}
