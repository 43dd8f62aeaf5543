import { ConfigError, resolveConfigPath, UserError, type z } from '@kd/core';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RunConfigSchema, type RunConfig } from './schema.js';
import { parseCoreYaml } from './core-yaml.js';
import { applySet } from './set-override.js';

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

/** The path that means "read the config from standard input" (how a sweep hands a resolved config to a child `kd run`). */
export const STDIN_CONFIG = '-';

/**
 * Reads a YAML or JSON config file (`-`: standard input, relative paths then meaning the current
 * folder unless the config sets `baseDir`), applies `--set a.b=c` overrides, validates.
 */
export function loadConfigFile(path: string, sets: readonly string[] = []): RunConfig {
  const stdin = path === STDIN_CONFIG;
  const name = stdin ? 'the config on standard input' : path;
  if (!stdin && !existsSync(path)) throw new UserError(`config file not found: ${path}`);
  let raw: unknown;
  try {
    const text = readFileSync(stdin ? 0 : path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseCoreYaml(text);
  } catch (e) {
    throw new UserError(`cannot parse ${name}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new UserError(`${name}: the config must be a mapping`);
  for (const s of sets) raw = applySet(raw as Record<string, unknown>, s);
  return parseRunConfig(withBaseDir(raw as Record<string, unknown>, stdin ? process.cwd() : dirname(resolve(path))));
}

/**
 * Sets `baseDir` (absolute) on a raw config read from a file in `fileDir`: relative paths in the
 * config then mean "next to the config file", whatever folder kd runs from. A `baseDir` the file
 * sets itself is taken relative to the file.
 */
export function withBaseDir(raw: Record<string, unknown>, fileDir: string): Record<string, unknown> {
  const own = raw['baseDir'];
  return { ...raw, baseDir: typeof own === 'string' ? resolve(fileDir, own) : fileDir };
}

/** A path from a config, resolved against its `baseDir` (absolute paths stay as they are). */
export function configPath(config: Pick<RunConfig, 'baseDir'>, path: string): string {
  return resolveConfigPath(config.baseDir, path);
}
