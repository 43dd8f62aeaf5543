import { UserError } from '@kd/core';
import { parse as parseYaml } from 'yaml';

/**
 * Applies one `--set path=value` override to a raw (unvalidated) config. Paths are dotted, with
 * `[i]` or `.i` for array items (`methods[0].hparams.T=2`); the value is parsed as YAML
 * (numbers, booleans, lists `[1,2]`), falling back to a plain string. Validation happens afterwards
 * through the same schema as the file.
 */
export function applySet(raw: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    value = text;
  }
  const keys = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  const root = structuredClone(raw);
  let node: Record<string, unknown> | unknown[] = root;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const isIndex = /^\d+$/.test(key);
    if (Array.isArray(node) && !isIndex) throw new UserError(`--set ${path}: '${key}' is not an index into a list`);
    const container = node as Record<string, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    let next = container[key];
    if (next === undefined || next === null) {
      next = /^\d+$/.test(keys[i + 1]!) ? [] : {};
      container[key] = next;
    }
    if (typeof next !== 'object') throw new UserError(`--set ${path}: '${keys.slice(0, i + 1).join('.')}' is not a mapping`);
    node = next as Record<string, unknown>;
  });
  return root;
}
