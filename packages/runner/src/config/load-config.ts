import { ConfigError, UserError, type z } from '@kd/core';
import { existsSync, readFileSync } from 'node:fs';
import { RunConfigSchema, type RunConfig } from './schema.js';
import { applySet, parseCoreYaml } from './set-override.js';

/** Formats the first zod issue as a ConfigError with its dotted path. */
export function toConfigError(error: z.ZodError, prefix = ''): ConfigError {
  const issue = error.issues[0]!;
  const parts = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
  let path = parts.join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = path ? `${path}.${key}` : key;
    message = 'unknown key';
  }
  return new ConfigError(path, message);
}

export function parseRunConfig(raw: unknown): RunConfig {
  const r = RunConfigSchema.safeParse(raw);
  if (!r.success) throw toConfigError(r.error);
  return r.data;
}

/** Reads a YAML or JSON config file, applies `--set a.b=c` overrides, validates. */
export function loadConfigFile(path: string, sets: readonly string[] = []): RunConfig {
  if (!existsSync(path)) throw new UserError(`config file not found: ${path}`);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseCoreYaml(text);
  } catch (e) {
    throw new UserError(`cannot parse ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${path}: the config must be a mapping`);
  for (const s of sets) raw = applySet(raw as Record<string, unknown>, s);
  return parseRunConfig(raw);
}
