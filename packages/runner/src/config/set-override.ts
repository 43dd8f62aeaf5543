import { UserError } from '@kd/core';
import { parseCoreYaml } from './core-yaml.js';
import { FORBIDDEN_KEYS, unsafeValueReason } from './unsafe-keys.js';

/** Splits `a.b[0].c` / `a.b.0.c` into keys, refusing empty keys, bad indices and prototype keys. */
function parsePath(path: string): string[] {
  const fail = (why: string) => new UserError(`--set ${path}: ${why}`);
  const keys: string[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[[^[\]]*\])*)$/.exec(part);
    if (!m) throw fail(`'${part}' is not a key or key[index]`);
    const [, name, brackets] = m as unknown as [string, string, string];
    if (name === '') throw fail('empty key in the path');
    if (FORBIDDEN_KEYS.has(name))
      throw fail(`key '${name}' is not allowed (it would reach JavaScript object prototypes)`);
    keys.push(name);
    for (const [, inner] of brackets.matchAll(/\[([^\]]*)\]/g) as Iterable<[string, string]>) {
      if (!/^\d+$/.test(inner))
        throw fail(inner === '' ? 'empty key in the path' : `'[${inner}]' is not a list index (a whole number ≥ 0)`);
      keys.push(inner);
    }
  }
  return keys;
}

/**
 * Applies one `--set path=value` override to a raw (unvalidated) config. Paths are dotted, with
 * `[i]` or `.i` for array items (`methods[0].hparams.T=2`); the value is parsed as YAML
 * (numbers, booleans, lists `[1,2]`), falling back to a plain string. Validation happens afterwards
 * through the same schema as the file.
 *
 * A list index may name an existing item or be exactly the list's length, which appends an item
 * (`methods[1].id=fitnet` on a one-method config); an index further past the end is an error, as
 * are empty keys (`train..epochs`, a leading or trailing dot, `[]`), indices that are not whole
 * numbers, and the keys `__proto__`, `constructor` and `prototype` in the path or anywhere in the
 * value (they would reach JavaScript object prototypes). Errors are UserErrors naming the path.
 * The input is not modified.
 */
export function applySet(raw: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  const keys = parsePath(path);
  let value: unknown;
  try {
    value = parseCoreYaml(text);
  } catch {
    value = text;
  }
  const unsafe = unsafeValueReason(value);
  if (unsafe) throw new UserError(`--set ${path}: ${unsafe}`);
  const root = structuredClone(raw);
  let node: Record<string, unknown> | unknown[] = root;
  let at = ''; // the path walked so far, for messages (`methods[0].hparams`)
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    let next: unknown;
    let place: (v: unknown) => void;
    if (Array.isArray(node)) {
      const list: unknown[] = node;
      if (!/^\d+$/.test(key)) throw new UserError(`--set ${path}: '${key}' is not an index into a list`);
      const index = Number(key);
      if (index > list.length) {
        const n = list.length;
        throw new UserError(
          `--set ${path}: index ${index} is past the end of '${at}' (${n} ${n === 1 ? 'entry' : 'entries'})`,
        );
      }
      next = list[index];
      place = (v) => {
        list[index] = v;
      };
      at = `${at}[${index}]`;
    } else {
      const map: Record<string, unknown> = node;
      // own keys only: `toString` on a mapping is a new key, not Object.prototype.toString
      next = Object.hasOwn(map, key) ? map[key] : undefined;
      place = (v) => {
        Object.defineProperty(map, key, { value: v, writable: true, enumerable: true, configurable: true });
      };
      at = at ? `${at}.${key}` : key;
    }
    if (last) {
      place(value);
      return;
    }
    if (next === undefined || next === null) {
      next = /^\d+$/.test(keys[i + 1]!) ? [] : {};
      place(next);
    }
    if (typeof next !== 'object') throw new UserError(`--set ${path}: '${at}' is not a mapping`);
    node = next as Record<string, unknown> | unknown[];
  });
  return root;
}
