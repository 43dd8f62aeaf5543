import { z } from 'zod';

/** A method's hyperparameter schema: a zod object whose fields all have defaults and descriptions. */
export type HParamSchema = z.ZodObject<any>;

export interface HParamDoc {
  readonly name: string;
  readonly type: string;
  readonly default: unknown;
  readonly description: string;
}

/** Lists the fields of a schema with their defaults and descriptions (for `kd list` and docs). */
export function describeHParams(schema: HParamSchema): HParamDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as {
    properties?: Record<
      string,
      { type?: string | string[]; default?: unknown; description?: string; enum?: unknown[] }
    >;
  };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    type: p.enum
      ? p.enum.map((e) => JSON.stringify(e)).join('|')
      : Array.isArray(p.type)
        ? p.type.join('|')
        : (p.type ?? 'any'),
    default: p.default,
    description: p.description ?? '',
  }));
}
