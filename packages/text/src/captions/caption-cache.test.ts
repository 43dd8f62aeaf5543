import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captionCacheHash, cachedCaptions } from './caption-cache.js';
import type { CaptionProvider, CaptionSample } from './caption-provider.js';

class CountingProvider implements CaptionProvider {
  readonly id = 'counting';
  calls = 0;
  constructor(readonly options: Record<string, unknown> = { seed: 1 }) {}
  captions(sample: CaptionSample) {
    this.calls++;
    return {
      general: [`sample ${sample.index} seed ${String(this.options.seed)}`],
      targeted: [`class ${sample.label}`],
    };
  }
}

const samples: CaptionSample[] = [0, 1, 2].map((index) => ({ index, label: index % 2 }));
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cachedCaptions', () => {
  it('computes once and reads the cache the second time', () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-cache-'));
    const p = new CountingProvider();
    const first = cachedCaptions({ cacheDir: dir, provider: p, dataset: 'mnist', split: 'train', samples });
    expect(first.fromCache).toBe(false);
    expect(p.calls).toBe(3);
    expect(existsSync(first.path)).toBe(true);
    expect(first.path.startsWith(join(dir, 'captions'))).toBe(true);
    const second = cachedCaptions({ cacheDir: dir, provider: p, dataset: 'mnist', split: 'train', samples });
    expect(second.fromCache).toBe(true);
    expect(p.calls).toBe(3);
    expect(second.captions).toEqual(first.captions);
    expect(JSON.parse(readFileSync(first.path, 'utf8')).key).toMatchObject({
      provider: 'counting',
      dataset: 'mnist',
      split: 'train',
      count: 3,
    });
  });

  it('recomputes when the options, dataset, split or sample count change', () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-cache-'));
    const p = new CountingProvider();
    const base = { cacheDir: dir, provider: p, dataset: 'mnist', split: 'train', samples };
    const paths = new Set([
      cachedCaptions(base).path,
      cachedCaptions({ ...base, split: 'val' }).path,
      cachedCaptions({ ...base, dataset: 'fashion-mnist' }).path,
      cachedCaptions({ ...base, samples: samples.slice(0, 2) }).path,
    ]);
    const other = new CountingProvider({ seed: 2 });
    const changed = cachedCaptions({ ...base, provider: other });
    expect(changed.fromCache).toBe(false);
    expect(changed.captions[0]!.general[0]).toBe('sample 0 seed 2');
    paths.add(changed.path);
    expect(paths.size).toBe(5);
    expect(p.calls).toBe(3 + 3 + 3 + 2);
  });

  it('recomputes and overwrites an unreadable cache file', () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-cache-'));
    const p = new CountingProvider();
    const request = { cacheDir: dir, provider: p, dataset: 'mnist', split: 'test', samples };
    const { path, captions } = cachedCaptions(request);
    writeFileSync(path, '{"format": "kd-capt');
    const again = cachedCaptions(request);
    expect(again.fromCache).toBe(false);
    expect(again.captions).toEqual(captions);
    expect(p.calls).toBe(6);
    expect(cachedCaptions(request).fromCache).toBe(true);
  });

  it('hashes options independently of key order', () => {
    const key = { provider: 'p', dataset: 'd', split: 'train', count: 1 };
    expect(captionCacheHash({ ...key, options: { a: 1, b: [2, { c: 3, d: 4 }] } })).toBe(
      captionCacheHash({ ...key, options: { b: [2, { d: 4, c: 3 }], a: 1 } }),
    );
    expect(captionCacheHash({ ...key, options: { a: 1 } })).not.toBe(captionCacheHash({ ...key, options: { a: 2 } }));
  });
});
