import { ConfigError, UserError, z } from '@kd/core';
import { dirname, isAbsolute, join } from 'node:path';
import { toConfigError } from '../config/load-config.js';
import type { GridAxis } from './grid.js';
import type { RawConfig } from './raw-config.js';
import { resolveVariant, type Variant } from './variants.js';

/**
 * A sweep file: a YAML/JSON file whose only top-level key is `sweep`, e.g.
 *
 *   sweep:
 *     base: mnist-kd.yaml            # the run config every cell starts from (relative to this file)
 *     name: mnist-baselines
 *     seeds: 3
 *     variants:                      # one cell per variant, merged onto the base, in this order
 *       student: { methods: [] }
 *       kd: {}
 *       fitnet: mnist-fitnet.yaml
 *     grid:                          # optional: every variant × every combination
 *       train.optimizer.lr: [0.05, 0.1]
 */
export const SweepFileSchema = z
  .object({
    base: z.string().min(1).describe('run config the cells start from, relative to the sweep file'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
      .optional()
      .describe('sweep folder name'),
    seeds: z.number().int().positive().optional().describe('seeds per cell'),
    seedStart: z.number().int().min(0).optional().describe('first seed'),
    out: z.string().min(1).optional().describe('parent folder of the sweep folder, relative to the working directory'),
    set: z.array(z.string()).default([]).describe('overrides applied to the base config, like --set'),
    variants: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown()), z.null()])).default({}),
    grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
  })
  .strict();

export interface SweepFile {
  readonly path: string;
  readonly basePath: string;
  readonly name?: string;
  readonly seeds?: number;
  readonly seedStart?: number;
  readonly out?: string;
  readonly sets: readonly string[];
  readonly variants: readonly Variant[];
  readonly grid: readonly GridAxis[];
}

/** Whether a parsed file is a sweep file (top-level `sweep:`) rather than a run config. */
export function isSweepFile(raw: RawConfig): boolean {
  return 'sweep' in raw;
}

export function parseSweepFile(path: string, raw: RawConfig): SweepFile {
  const extra = Object.keys(raw).find((k) => k !== 'sweep');
  if (extra) throw new ConfigError(extra, `unknown key in sweep file ${path} (only 'sweep' is allowed at the top)`);
  const r = SweepFileSchema.safeParse(raw.sweep);
  if (!r.success) {
    const e = toConfigError(r.error, 'sweep');
    throw new UserError(`${path}: ${e.message}`);
  }
  const dir = dirname(path);
  const s = r.data;
  return {
    path,
    basePath: isAbsolute(s.base) ? s.base : join(dir, s.base),
    name: s.name,
    seeds: s.seeds,
    seedStart: s.seedStart,
    out: s.out,
    sets: s.set,
    variants: Object.entries(s.variants).map(([name, spec]) => resolveVariant(name, spec, dir)),
    grid: Object.entries(s.grid).map(([key, values]) => ({ key, values })),
  };
}
