import { UserError } from '@kd/core';
import { parseCoreYaml } from '../config/core-yaml.js';

/** One swept config path and the values it takes. */
export interface GridAxis {
  readonly key: string;
  readonly values: readonly unknown[];
}

/** One point of the grid: a value for every axis, in axis order. */
export type GridPoint = readonly { readonly key: string; readonly value: unknown }[];

/** Parses one value the way `--set` does: YAML (numbers, booleans, lists, mappings), else the plain string. */
export function parseValue(text: string): unknown {
  try {
    return parseCoreYaml(text);
  } catch {
    return text;
  }
}

/** Splits on commas that are not inside brackets, braces or quotes (`1,[2,3],'a,b'` → 3 parts). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

/** Parses `--grid key=v1,v2,…`; each value is parsed like a `--set` value. */
export function parseGridArg(arg: string): GridAxis {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UserError(`--grid expects path=value1,value2,…, got '${arg}'`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (raw.trim() === '') throw new UserError(`--grid ${key}: no values`);
  const values = splitTopLevel(raw).map((v) => v.trim());
  if (values.some((v) => v === '')) throw new UserError(`--grid ${key}: empty value in '${raw}'`);
  return { key, values: values.map(parseValue) };
}

/** Checks the axes (no key twice, at least one value each). */
export function checkAxes(axes: readonly GridAxis[]): void {
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw new UserError(`grid key '${a.key}' is given twice`);
    seen.add(a.key);
    if (a.values.length === 0) throw new UserError(`grid key '${a.key}' has no values`);
  }
}

/** The cartesian product of the axes, the first axis varying slowest. No axes → one empty point. */
export function expandGrid(axes: readonly GridAxis[]): GridPoint[] {
  checkAxes(axes);
  let points: GridPoint[] = [[]];
  for (const axis of axes) {
    points = points.flatMap((p) => axis.values.map((value) => [...p, { key: axis.key, value }]));
  }
  return points;
}
