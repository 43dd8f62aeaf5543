import { ConfigError, type z } from '@kd/core';

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
