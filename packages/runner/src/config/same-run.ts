import { canonicalJson } from './canonical-json.js';
import type { RunConfig } from './schema.js';

/**
 * Config fields that may differ between two invocations of the same run without changing what it
 * computes: where things go, and the backend request (the numerics actually used are recorded in each
 * environment file and summary). `baseDir` counts: relative paths in the config are read from it.
 */
const NEUTRAL = ['backend', 'threads', 'outDir', 'cacheDir'] as const;

function comparable(config: RunConfig): string {
  const c: Record<string, unknown> = { ...config };
  for (const k of NEUTRAL) delete c[k];
  return canonicalJson(c);
}

/** Do two configs describe the same run (so that one may resume the other's folder)? */
export function sameRun(a: RunConfig, b: RunConfig): boolean {
  return comparable(a) === comparable(b);
}
