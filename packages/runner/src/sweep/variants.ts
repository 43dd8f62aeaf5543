import { UserError } from '@kd/core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCoreYaml } from '../config/core-yaml.js';
import { isMapping, readMappingFile, type RawConfig } from './raw-config.js';

/**
 * A named alternative to the base config, merged onto it (see `deepMerge`): e.g. `student` =
 * `{methods: []}`, `fitnet` = `{methods: [{id: fitnet}]}`, or a whole config file.
 */
export interface Variant {
  readonly name: string;
  readonly override: RawConfig;
  /** Where the override came from (a file path, or `inline`). */
  readonly source: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkVariantName(name: string): void {
  if (!NAME.test(name))
    throw new UserError(`variant name '${name}': use letters, digits, . _ - (starting with a letter or digit)`);
}

/**
 * A variant's definition: a mapping (inline), or a string naming a YAML/JSON file (relative to
 * `baseDir`) or holding an inline YAML mapping such as `{methods: []}`.
 */
export function resolveVariant(name: string, spec: unknown, baseDir: string): Variant {
  checkVariantName(name);
  if (spec === null || spec === undefined) return { name, override: {}, source: 'inline' };
  if (isMapping(spec)) return { name, override: spec, source: 'inline' };
  if (typeof spec !== 'string') throw new UserError(`variant '${name}': expected a file path or a mapping`);
  const path = resolve(baseDir, spec);
  if (existsSync(path)) return { name, override: readMappingFile(path, `variant '${name}' file`), source: spec };
  if (/\.(ya?ml|json)$/i.test(spec.trim())) throw new UserError(`variant '${name}' file not found: ${spec}`);
  let parsed: unknown;
  try {
    parsed = parseCoreYaml(spec);
  } catch (e) {
    throw new UserError(`variant '${name}': cannot parse '${spec}': ${(e as Error).message.split('\n')[0]}`);
  }
  if (parsed === null) return { name, override: {}, source: 'inline' };
  if (!isMapping(parsed))
    throw new UserError(`variant '${name}': '${spec}' is neither a file nor a mapping like {methods: []}`);
  return { name, override: parsed, source: 'inline' };
}

/** Parses `--variant name=path/to/override.yaml` or `--variant 'name={methods: []}'` (paths relative to the cwd). */
export function parseVariantArg(arg: string, cwd = process.cwd()): Variant {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UserError(`--variant expects name=file.yaml or name={yaml mapping}, got '${arg}'`);
  return resolveVariant(arg.slice(0, eq).trim(), arg.slice(eq + 1), cwd);
}

/** Checks that variant names are unique. */
export function checkVariants(variants: readonly Variant[]): void {
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.name)) throw new UserError(`variant '${v.name}' is given twice`);
    seen.add(v.name);
  }
}
