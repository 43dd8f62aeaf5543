import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStatus, loadNativeAddon, type NativeAddon } from './index.js';

const script = fileURLToPath(new URL('../scripts/build-addon.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'kd-native-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function build(env: Record<string, string>): { status: number | null; stdout: string; json: Record<string, unknown> } {
  const out = mkdtempSync(join(scratch, 'build-'));
  // the install's KD_NATIVE_BUILD ("0": the no-compiler simulation) does not apply to these builds
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, KD_NATIVE_BUILD: '', KD_NATIVE_OUT: out, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, json: JSON.parse(readFileSync(join(out, 'status.json'), 'utf8')) };
}

describe('the install-time build (scripts/build-addon.mjs)', () => {
  it('built the addon at npm ci on this machine type (x86-64 Linux, cc and Node headers present)', () => {
    // KD_NATIVE_BUILD=0 is the "no compiler" simulation: then nothing is built and kd runs on wasm
    if (process.env.KD_NATIVE_BUILD === '0') return expect(buildStatus()?.built).toBe(false);
    expect(buildStatus()).toMatchObject({ built: true, reason: '' });
    expect(loadNativeAddon()).toMatchObject({ ok: true });
  });

  it('builds from csrc/ with cc into a loadable addon that picks the FMA build on an FMA CPU', () => {
    const r = build({});
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ built: true, reason: '' });
    const addon = createRequire(import.meta.url)(join(String(r.stdout.match(/built (\S+)/)![1]))) as NativeAddon;
    expect(['fma', 'sse2']).toContain(addon.info().isa);
    // 512-bit convolution tiles exactly where the CPU has AVX-512F (and AVX2/FMA)
    const flags =
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:(.*)$/m)?.[1]
        ?.split(/\s+/) ?? [];
    const fma = flags.includes('avx2') && flags.includes('fma');
    const want = !fma ? 'sse' : flags.includes('avx512f') ? 'avx512' : 'avx2';
    expect(r.json).toMatchObject({ avx512Tiles: true });
    expect(addon.info().tiles).toBe(want);
    if (fma) expect(addon.setTiles('avx2')).toBe('avx2');
    expect(() => addon.setTiles('avx1024' as 'avx2')).toThrow(/must be 'avx512' or 'avx2'/);
  });

  it('builds without the AVX-512 tiles when the compiler lacks -mavx512f (they are optional)', () => {
    const cc = join(scratch, 'cc-without-avx512');
    writeFileSync(cc, '#!/bin/sh\ncase "$*" in *-mavx512f*) exit 1;; esac\nexec cc "$@"\n', { mode: 0o755 });
    const r = build({ CC: cc });
    expect(r.json).toMatchObject({ built: true, reason: '', avx512Tiles: false });
    const addon = createRequire(import.meta.url)(join(String(r.stdout.match(/built (\S+)/)![1]))) as NativeAddon;
    expect(['avx2', 'sse']).toContain(addon.info().tiles);
    expect(() => addon.setTiles('avx512')).toThrow(/no AVX-512F tiles/);
  });

  it.each([
    [{ CC: '/nonexistent/cc' }, /^the C compiler '\/nonexistent\/cc' could not run \(ENOENT\)$/],
    [{ KD_NATIVE_BUILD: '0' }, /^KD_NATIVE_BUILD=0$/],
    [{ CC: 'false' }, /^'false' failed on csrc\/kernels_fma\.c$/],
  ])('never fails the install: %j → exit 0, one-line reason', (env, reason) => {
    const r = build(env);
    expect(r.status).toBe(0);
    expect(r.json.built).toBe(false);
    expect(r.json.reason).toMatch(reason);
    expect(r.stdout).toMatch(/^@kd\/native-kernels: not built \(.+\); kd uses its wasm kernels\n$/);
  });
});
