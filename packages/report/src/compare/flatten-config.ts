/** A value at the end of a config path: a scalar, or an empty list or mapping (nothing below it to name). */
export type ConfigLeaf = string | number | boolean | null | readonly [] | Readonly<Record<string, never>>;

/**
 * A config as `path → value` in the syntax of `--set` (`train.optimizer.lr`, `methods[0].id`), so two
 * configs compare key by key and a difference reads as the override that would make one into the other.
 * Lists are walked item by item (`methods[1].id` exists only in the run with two methods); an empty list
 * or mapping is a value of its own, so `methods: []` and `methods[0].id: kd` both show.
 */
export function flattenConfig(config: unknown): Map<string, ConfigLeaf> {
  const out = new Map<string, ConfigLeaf>();
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      if (value.length === 0) out.set(path, []);
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length === 0) out.set(path, {});
      for (const [key, item] of entries) walk(item, path === '' ? key : `${path}.${key}`);
    } else if (value !== undefined) out.set(path, value as ConfigLeaf);
  };
  walk(config, '');
  return out;
}
