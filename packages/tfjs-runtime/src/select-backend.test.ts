import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  backendSummary,
  oneLine,
  selectBackend,
  selectBackendWith,
  type BackendReport,
} from './select-backend.js';
import { COMPOSED_KERNEL_NAMES } from './kernels/register.js';
import { nativeAddonStatus } from './native/addon.js';
import { numericsOf } from './numerics.js';

const resolvable = (pkg: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const nodeBackendInstalled = resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node');

const realImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

describe('selectBackend', () => {
  it('auto: tries tfjs-node-gpu, tfjs-node, then settles on wasm with composed kernels', async () => {
    const report = await selectBackend({ backend: 'auto' });
    if (nodeBackendInstalled) {
      // a machine with a native backend: it must win
      expect(report.backend).toBe('tensorflow');
      return;
    }
    expect(report.requested).toBe('auto');
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.attempts.map((a) => a.candidate)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    for (const failed of report.attempts.slice(0, 2)) {
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/\S/);
      expect(failed.error).not.toContain('\n');
      expect(failed.ms).toBeGreaterThanOrEqual(0);
    }
    expect(report.attempts[2]).toMatchObject({ candidate: 'wasm', ok: true });
    expect(report.attempts[2]!.error).toBeUndefined();
    expect(report.kernels).toEqual([...COMPOSED_KERNEL_NAMES]);
    // the native addon where it was built (this machine type builds it at npm ci), else wasm:
    // Node 20 gets relaxed SIMD through its V8 flag; newer engines have it built in
    const wasmBuild = process.env.KD_WASM_RELAXED_SIMD === '0' ? 'simd128' : 'relaxed-simd';
    if (nativeAddonStatus().state === 'used') {
      expect(report.kernelBuild).toMatch(/^native-(fma|sse2)-(openblas|own)$/);
      expect(report.native).toMatchObject({ state: 'used', threads: expect.any(Number) });
    } else {
      expect(report.kernelBuild).toBe(wasmBuild);
      expect(report.native).toMatchObject({ reason: expect.stringMatching(/^[^\n]+$/) });
    }
    expect(typeof report.wasm?.simd).toBe('boolean');
    expect(report.wasm?.threads).toBeGreaterThanOrEqual(1);
    expect(report.tfjsVersion).toBe('4.22.0');
    for (const name of COMPOSED_KERNEL_NAMES) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('is idempotent: a second call reports the same backend and kernels', async () => {
    const first = await selectBackend({ backend: 'auto' });
    const second = await selectBackend({ backend: 'auto' });
    expect(second.backend).toBe(first.backend);
    expect(second.kernels).toEqual(first.kernels);
    expect(second.attempts.map((a) => [a.candidate, a.ok])).toEqual(first.attempts.map((a) => [a.candidate, a.ok]));
  });

  it('report is plain JSON (round-trips unchanged)', async () => {
    const report = await selectBackend({ backend: 'auto' });
    const json = JSON.stringify(report);
    expect(JSON.parse(json)).toEqual(report);
    const walk = (v: unknown): void => {
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return;
      if (Array.isArray(v)) return v.forEach(walk);
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      Object.values(v as object).forEach(walk);
    };
    walk(report);
  });

  it('explicit cpu: only cpu is tried, no wasm details, no composed kernels', async () => {
    const report = await selectBackend({ backend: 'cpu' });
    expect(report.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(report.attempts).toHaveLength(1);
    expect(report.attempts[0]).toMatchObject({ candidate: 'cpu', ok: true });
    expect(report.wasm).toBeUndefined();
    expect(report.kernels).toEqual([]);
    expect(backendSummary(report)).toBe('cpu [requested cpu]');
  });

  it('explicit wasm: only wasm is tried', async () => {
    const report = await selectBackend({ backend: 'wasm' });
    expect(report.backend).toBe('wasm');
    expect(report.attempts.map((a) => a.candidate)).toEqual(['wasm']);
    expect(report.kernels).toEqual([...COMPOSED_KERNEL_NAMES]);
  });

  it('explicit tensorflow without tfjs-node throws a one-line BackendUnavailableError', async () => {
    if (nodeBackendInstalled) {
      expect((await selectBackend({ backend: 'tensorflow' })).backend).toBe('tensorflow');
      return;
    }
    const before = tf.getBackend();
    const err = await selectBackend({ backend: 'tensorflow' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.message).toMatch(/^tfjs backend 'tensorflow' is unavailable: tfjs-node-gpu: .+; tfjs-node: .+/);
    expect(e.message).not.toContain('\n');
    expect(e.backend).toBe('tensorflow');
    expect(e.attempts.map((a) => a.candidate)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(tf.getBackend()).toBe(before); // a failed explicit request leaves the active backend alone
  });

  it('explicit wasm whose package fails to load throws BackendUnavailableError naming wasm', async () => {
    const deps = { importModule: () => Promise.reject(new Error('boom: wasm binary missing\nstack...')) };
    await expect(selectBackendWith({ backend: 'wasm' }, deps)).rejects.toThrow(
      /^tfjs backend 'wasm' is unavailable: wasm: boom: wasm binary missing$/,
    );
  });

  it('treats any load error (e.g. a broken native addon) as a failed candidate and falls through', async () => {
    const addonError = new Error(
      'The specified module could not be found.\n' +
        '\\?\\C:\\node_modules\\@tensorflow\\tfjs-node\\lib\\napi-v8\\tfjs_binding.node',
    );
    const deps = {
      importModule: (specifier: string) => {
        if (specifier === '@tensorflow/tfjs-node-gpu') {
          return Promise.reject(new Error('native addon module tfjs_binding.node can not be found at /x/napi-v8'));
        }
        if (specifier === '@tensorflow/tfjs-node') return Promise.reject(addonError);
        return realImport(specifier);
      },
    };
    const report = await selectBackendWith({ backend: 'auto' }, deps);
    expect(report.backend).toBe('wasm');
    expect(report.attempts[0]).toMatchObject({ candidate: 'tfjs-node-gpu', ok: false });
    expect(report.attempts[0]!.error).toMatch(/native addon module .* can not be found/);
    expect(report.attempts[1]).toMatchObject({
      candidate: 'tfjs-node',
      ok: false,
      error: 'The specified module could not be found.',
    });
    expect(backendSummary(report)).toContain('tfjs-node-gpu: native addon module tfjs_binding.node can not be found');
  });

  it('a package that loads but registers no backend is a failed candidate', async () => {
    const deps = {
      importModule: (specifier: string) =>
        specifier.includes('tfjs-node') ? Promise.resolve({}) : realImport(specifier),
    };
    const report = await selectBackendWith({ backend: 'auto' }, deps);
    if (nodeBackendInstalled) return; // the real package registered 'tensorflow' already
    expect(report.attempts[0]!.error).toBe("@tensorflow/tfjs-node-gpu loaded but registered no 'tensorflow' backend");
    expect(report.backend).toBe('wasm');
  });

  it('falls back to cpu when wasm is unavailable too', async () => {
    const deps = { importModule: () => Promise.reject(new Error("Cannot find package '@x/y'")) };
    const report = await selectBackendWith({ backend: 'auto' }, deps);
    expect(report.backend).toBe('cpu');
    expect(report.attempts.map((a) => [a.candidate, a.ok])).toEqual([
      ['tfjs-node-gpu', false],
      ['tfjs-node', false],
      ['wasm', false],
      ['cpu', true],
    ]);
    expect(backendSummary(report)).toBe(
      'cpu; tfjs-node-gpu: not installed, tfjs-node: not installed, wasm: not installed',
    );
  });

  it('rejects an unknown backend name', async () => {
    await expect(selectBackend({ backend: 'webgpu' as never })).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('backendSummary', () => {
  it('one line for logs', () => {
    const report: BackendReport = {
      requested: 'auto',
      backend: 'wasm',
      attempts: [
        { candidate: 'tfjs-node-gpu', ok: false, error: "Cannot find package '@tensorflow/tfjs-node-gpu'", ms: 3 },
        { candidate: 'tfjs-node', ok: false, error: "Cannot find module '@tensorflow/tfjs-node'", ms: 1 },
        { candidate: 'wasm', ok: true, ms: 40 },
      ],
      wasm: { simd: true, threads: 1 },
      kernels: [...COMPOSED_KERNEL_NAMES],
      kernelBuild: 'relaxed-simd',
      tfjsVersion: '4.22.0',
    };
    expect(backendSummary(report)).toBe(
      'wasm (simd, 1 thread; kd kernels (relaxed-simd): Conv2DBackpropInput, Conv2DBackpropFilter, Conv2D, KdBatchNormTrain, ' +
        'KdBatchNormTrainGrad, KdBatchNormInfer, KdLayerNorm, KdLayerNormGrad, BatchMatMul, _FusedMatMul, KdHeadScores, KdHeadContext, Sum, ' +
        'Mean, MaxPool, MaxPoolGrad, UnsortedSegmentSum, KdSgdMomentumStep, Add, Sub, Multiply, RealDiv, Relu, KdReluGrad, ' +
        'KdSoftmaxGrad, Transpose, Tile, Identity, Cast, ' +
        'DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput); ' +
        'tfjs-node-gpu: not installed, tfjs-node: not installed',
    );
    expect(backendSummary({ ...report, wasm: { simd: false, threads: 4 }, kernels: [], attempts: [] })).toBe(
      'wasm (no simd, 4 threads)',
    );
  });

  it('oneLine keeps the first non-empty line', () => {
    expect(oneLine(new Error('\n  first\nsecond'))).toBe('first');
    expect(oneLine('plain string')).toBe('plain string');
    expect(oneLine(new Error('x'.repeat(400)))).toHaveLength(300);
  });
});

describe('the native addon switched off or missing', () => {
  // a fresh process (the addon is loaded once per process), on the built package
  const probe = (env: Record<string, string>, base: NodeJS.ProcessEnv = process.env) => {
    const script = `import * as tf from '@tensorflow/tfjs';
tf.env().set('IS_TEST', true);
const { selectBackend } = await import('@kd/tfjs-runtime');
const r = await selectBackend({ backend: 'wasm' });
console.log(JSON.stringify({ build: r.kernelBuild, native: r.native }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...base, ...env },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { build: string; native: Record<string, unknown> };
  };

  it('KD_NATIVE=0: the wasm kernels run and the report says so', () => {
    const wasmBuild = process.env.KD_WASM_RELAXED_SIMD === '0' ? 'simd128' : 'relaxed-simd';
    expect(probe({ KD_NATIVE: '0' })).toEqual({ build: wasmBuild, native: { state: 'off', reason: 'KD_NATIVE=0' } });
  });

  it('KD_THREADS sets the addon threads, KD_NATIVE_BLAS=none its own GEMM (where the addon is built)', () => {
    const r = probe({ KD_THREADS: '3', KD_NATIVE_BLAS: 'none' });
    if (nativeAddonStatus().state !== 'used') return expect(r.native.state).not.toBe('used');
    expect(r.build).toMatch(/^native-(fma|sse2)-own$/);
    expect(r.native).toMatchObject({
      state: 'used',
      gemm: 'own',
      threads: 3,
      blas: null,
      blasReason: 'KD_NATIVE_BLAS=none',
    });
  });

  it("KD_NATIVE_GEMM chooses the products; unset, kd's own where the FMA build has its 256-bit tiles", () => {
    const status = nativeAddonStatus();
    if (status.state !== 'used' || !status.blas) return expect(status.state).toBeDefined();
    const own = probe({ KD_NATIVE_GEMM: 'own' });
    expect([own.build, own.native.gemm]).toEqual([`native-${status.isa}-own`, 'own']);
    const openblas = probe({ KD_NATIVE_GEMM: 'openblas' });
    expect([openblas.build, openblas.native.gemm]).toEqual([`native-${status.isa}-openblas`, 'openblas']);
    const unset = probe({}, Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KD_NATIVE_GEMM')));
    const ownByDefault = status.isa === 'fma' && unset.native.tiles === 'avx2';
    expect(unset.native.gemm).toBe(ownByDefault ? 'own' : 'openblas');
  });

  it("OPENBLAS_CORETYPE picks OpenBLAS's kernels; KD_NATIVE_BLAS_CORE picks them for kd over it", () => {
    const status = nativeAddonStatus();
    if (status.state !== 'used' || !status.blas || status.isa !== 'fma') return expect(status.state).toBeDefined();
    expect(probe({ OPENBLAS_CORETYPE: 'Prescott' }).native).toMatchObject({ blas: { core: 'Prescott' } });
    const forced = probe({ OPENBLAS_CORETYPE: 'Prescott', KD_NATIVE_BLAS_CORE: 'Haswell', KD_NATIVE_GEMM: 'openblas' });
    expect(forced.native).toMatchObject({ state: 'used', gemm: 'openblas', blas: { core: 'Haswell' } });
    expect(forced.build).toMatch(/^native-fma-openblas$/);
  });
});

describe('numericsOf', () => {
  it("is the backend and kernel build, with OpenBLAS's kernel family when it computes the products; never the threads", () => {
    const blas = { library: 'libopenblas.so.0', core: 'Haswell', config: '' };
    const used = { state: 'used', isa: 'fma', blas, blasReason: '' } as const;
    expect(numericsOf({ backend: 'cpu', kernelBuild: undefined })).toEqual({ backend: 'cpu', kernelBuild: null });
    expect(
      numericsOf({ backend: 'wasm', kernelBuild: 'relaxed-simd', native: { state: 'off', reason: 'KD_NATIVE=0' } }),
    ).toEqual({
      backend: 'wasm',
      kernelBuild: 'relaxed-simd',
    });
    const one = numericsOf({
      backend: 'wasm',
      kernelBuild: 'native-fma-openblas',
      native: { ...used, gemm: 'openblas', threads: 1 },
    });
    const two = numericsOf({
      backend: 'wasm',
      kernelBuild: 'native-fma-openblas',
      native: { ...used, gemm: 'openblas', threads: 2 },
    });
    expect(one).toEqual({ backend: 'wasm', kernelBuild: 'native-fma-openblas/Haswell' });
    expect(two).toEqual(one);
    expect(
      numericsOf({ backend: 'wasm', kernelBuild: 'native-fma-own', native: { ...used, gemm: 'own', threads: 2 } }),
    ).toEqual({ backend: 'wasm', kernelBuild: 'native-fma-own' });
  });
});
