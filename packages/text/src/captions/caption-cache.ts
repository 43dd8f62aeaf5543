import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ensureDir, withStorageErrors } from '@kd/core';
import { join } from 'node:path';
import { captionAll, type CaptionProvider, type CaptionSample, type SampleCaptions } from './caption-provider.js';

/** What identifies the captions of one dataset split. */
export interface CaptionCacheKey {
  readonly provider: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly dataset: string;
  readonly split: string;
  readonly count: number;
}

/** The file of a cache entry: `{key, captions}`. */
export interface CaptionCacheFile {
  readonly format: 'kd-captions';
  readonly version: 1;
  readonly key: CaptionCacheKey;
  readonly captions: readonly SampleCaptions[];
}

/** JSON with object keys sorted, so equal options hash equally whatever their key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 16 hex digits of sha256 over the key. */
export function captionCacheHash(key: CaptionCacheKey): string {
  return createHash('sha256').update(stableStringify(key)).digest('hex').slice(0, 16);
}

export interface CachedCaptionsRequest {
  /** Cache root (e.g. the run config's `cacheDir`); entries go to `<cacheDir>/captions/<hash>.json`. */
  readonly cacheDir: string;
  readonly provider: CaptionProvider;
  readonly dataset: string;
  readonly split: string;
  readonly samples: readonly CaptionSample[];
}

/** A cache file's content, or null when it is unreadable or not a caption cache file. */
function readCacheFile(path: string): CaptionCacheFile | null {
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<CaptionCacheFile> | null;
    return file && file.format === 'kd-captions' && file.version === 1 && Array.isArray(file.captions)
      ? (file as CaptionCacheFile)
      : null;
  } catch {
    return null;
  }
}

/**
 * Captions of a dataset split, computed once: the first call asks the provider and writes
 * `<cacheDir>/captions/<hash of (provider id, options, dataset, split, sample count)>.json`; later
 * calls with the same key read that file. A file that is unreadable, whose key differs (a hash
 * collision) or whose caption count is wrong is recomputed and overwritten.
 */
export function cachedCaptions(request: CachedCaptionsRequest): {
  captions: SampleCaptions[];
  path: string;
  fromCache: boolean;
} {
  const { provider, dataset, split, samples } = request;
  const key: CaptionCacheKey = {
    provider: provider.id,
    options: provider.options,
    dataset,
    split,
    count: samples.length,
  };
  const dir = join(request.cacheDir, 'captions');
  const path = join(dir, `${captionCacheHash(key)}.json`);
  const cached = existsSync(path) ? readCacheFile(path) : null;
  if (cached && stableStringify(cached.key) === stableStringify(key) && cached.captions.length === samples.length) {
    return { captions: [...cached.captions], path, fromCache: true };
  }
  const captions = captionAll(provider, samples);
  ensureDir(dir);
  const file: CaptionCacheFile = { format: 'kd-captions', version: 1, key, captions };
  const tmp = `${path}.${process.pid}.tmp`;
  withStorageErrors(path, () => {
    writeFileSync(tmp, JSON.stringify(file));
    renameSync(tmp, path); // atomic: a crash never leaves a half-written entry
  });
  return { captions, path, fromCache: false };
}
