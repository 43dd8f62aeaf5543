import { ConfigError, z } from '@kd/core';

/**
 * Validates a dataset's options with its zod schema; the first problem becomes a `ConfigError`
 * whose path is `data.options.<key>` (unknown keys included).
 */
export function parseDatasetOptions<S extends z.ZodType>(schema: S, options: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const base = ['data', 'options', ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new ConfigError([...base, key].join('.'), `unknown option '${key}'`);
  }
  throw new ConfigError(base.join('.'), issue.message);
}

/** A split-size option: a count (integer ≥ `min`) or a fraction in (0, 1). */
export const countOrFraction = (min: 0 | 1) =>
  z.number().refine((v) => Number.isFinite(v) && v >= 0 && (min === 0 || v > 0) && (v < 1 || Number.isInteger(v)), {
    message: `must be a count (integer ≥ ${min}) or a fraction in (0, 1)`,
  });
