import { ConfigError, z } from '@kd/core';

/** One zod schema per accepted option; absent options get the schema's default (or undefined). */
export type OptionSchemas = Record<string, z.ZodType>;

export type ParsedOptions<S extends OptionSchemas> = { [K in keyof S]: z.output<S[K]> };

/**
 * Validates an architecture's `options`: an unknown key, or a value its schema rejects, throws a
 * ConfigError whose path names the option (e.g. `options.foo`).
 */
export function parseOptions<S extends OptionSchemas>(
  arch: string,
  options: Record<string, unknown> | undefined,
  schemas: S,
): ParsedOptions<S> {
  const given = options ?? {};
  const known = Object.keys(schemas);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new ConfigError(
        `options.${key}`,
        `unknown option '${key}' for architecture '${arch}' (accepted: ${known.join(', ') || 'none'})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const result = schemas[key]!.safeParse(given[key]);
    if (!result.success) {
      const detail = result.error.issues.map((i) => i.message).join('; ');
      throw new ConfigError(`options.${key}`, `invalid value for architecture '${arch}': ${detail}`);
    }
    out[key] = result.data;
  }
  return out as ParsedOptions<S>;
}
