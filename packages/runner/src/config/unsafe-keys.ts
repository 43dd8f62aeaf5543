/** Keys that reach JavaScript object prototypes; never config keys. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks a value parsed from YAML before it goes into a config: no key in FORBIDDEN_KEYS at any
 * depth, and no cycle (a YAML alias inside its own anchor, `&a [*a]`, which nothing downstream can
 * serialise). `at` is where the value goes (prefix of the paths named). Returns a one-line reason, or
 * undefined when the value is fine.
 */
export function unsafeValueReason(value: unknown, at = ''): string | undefined {
  const ancestors = new Set<object>();
  const visit = (v: unknown, at: string): string | undefined => {
    if (v === null || typeof v !== 'object') return undefined;
    if (ancestors.has(v))
      return `the value contains itself${at ? ` at '${at}'` : ''} (a YAML alias inside its own anchor)`;
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const r = visit(v[i], `${at}[${i}]`);
          if (r) return r;
        }
        return undefined;
      }
      for (const key of Object.keys(v)) {
        const here = at ? `${at}.${key}` : key;
        if (FORBIDDEN_KEYS.has(key))
          return `key '${key}' is not allowed${here !== key ? ` (in the value at '${here}')` : ' (in the value)'}`;
        const r = visit((v as Record<string, unknown>)[key], here);
        if (r) return r;
      }
      return undefined;
    } finally {
      ancestors.delete(v);
    }
  };
  return visit(value, at);
}
