import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeAddon, type AddonGemm, type AddonIsa } from './index.js';

// The addon's kernels straight on a WebAssembly.Memory, as on the tfjs heap: against plain
// JavaScript references, and bitwise equal at 1, 2 and 3 threads (work is split by shape only).
const load = loadNativeAddon();
const addon = load.ok ? load.addon : undefined;
const initial = addon?.info();
afterAll(() => {
  if (!addon || !initial) return;
  addon.setThreads(initial.threads);
  addon.setIsa(initial.isa);
  addon.setGemm(initial.gemm);
});

interface WasmMemory {
  buffer: ArrayBuffer;
}
const MemoryCtor = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => WasmMemory } })
  .WebAssembly.Memory;

class Heap {
  readonly memory = new MemoryCtor({ initial: 256 }); // 16 MiB
  private top = 64;
  alloc(floats: number, fill?: (i: number) => number): number {
    const offset = this.top;
    this.top += Math.ceil((floats * 4) / 64) * 64 + 64;
    const view = this.f32(offset, floats);
    if (fill) for (let i = 0; i < floats; i++) view[i] = fill(i);
    return offset;
  }
  f32(offset: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, floats);
  }
}

const wave = (seed: number) => (i: number) => Math.sin(i * 0.37 + seed) * 0.5 + Math.cos(i * 0.011 * seed) * 0.25;

function maxScaled(got: Float32Array, want: Float64Array): number {
  let scale = 1e-6;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  return worst;
}

describe.skipIf(!addon)('native addon kernels (skipped only where the addon was not built)', () => {
  const a = addon!;
  const builds: Array<[AddonIsa, AddonGemm]> = [];
  if (initial) {
    for (const isa of initial.isa === 'fma' ? (['fma', 'sse2'] as const) : (['sse2'] as const))
      for (const gemm of initial.blas ? (['openblas', 'own'] as const) : (['own'] as const)) builds.push([isa, gemm]);
  }

  describe.each(builds)('%s kernels, %s GEMM', (isa, gemm) => {
    it.each([
      [3, 130, 70, 150, 0, 0],
      [1, 700, 40, 90, 1, 0],
      [2, 129, 33, 257, 1, 0],
      [1, 200, 65, 31, 0, 1],
      [4, 17, 9, 300, 1, 1],
    ])(
      'batch_matmul batch %i, %i×%i×%i, transposes %i/%i: vs a float64 reference, same bits at 1/2/3 threads',
      (batch, m, n, k, ta, tb) => {
        a.setIsa(isa);
        a.setGemm(gemm);
        const heap = new Heap();
        const A = heap.alloc(batch * m * k, wave(1));
        const B = heap.alloc(k * n, wave(2)); // broadcast over the batch (stride 0)
        const C = heap.alloc(batch * m * n);
        const scratch = heap.alloc(256 * (n + 8) + 256 * 8 + 64);
        const av = heap.f32(A, batch * m * k);
        const bv = heap.f32(B, k * n);
        const want = new Float64Array(batch * m * n);
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++)
                s += av[b * m * k + (ta ? p * m + i : i * k + p)]! * bv[tb ? j * k + p : p * n + j]!;
              want[(b * m + i) * n + j] = s;
            }
        const runs = [1, 2, 3].map((threads) => {
          expect(a.setThreads(threads)).toBe(threads);
          heap.f32(C, batch * m * n).fill(Number.NaN);
          a.batch_matmul(heap.memory.buffer, A, B, C, batch, m, n, k, m * k, 0, ta, tb, scratch);
          return heap.f32(C, batch * m * n).slice();
        });
        expect(maxScaled(runs[0]!, want)).toBeLessThan(2e-6);
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]).toEqual(runs[0]);
      },
    );

    it('convolution (gather_conv) and its filter gradient over 37 images: vs float64, same bits at 1/2/3 threads', () => {
      a.setIsa(isa);
      a.setGemm(gemm);
      const heap = new Heap();
      const [N, H, W, C, Co, KH, KW] = [37, 9, 8, 6, 10, 3, 3];
      const [Ho, Wo] = [H - KH + 1, W - KW + 1];
      const x = heap.alloc(N * H * W * C, wave(3));
      const w = heap.alloc(KH * KW * C * Co, wave(4));
      const y = heap.alloc(N * Ho * Wo * Co);
      const dw = heap.alloc(KH * KW * C * Co);
      const xv = heap.f32(x, N * H * W * C);
      const wv = heap.f32(w, KH * KW * C * Co);
      const wantY = new Float64Array(N * Ho * Wo * Co);
      for (let n = 0; n < N; n++)
        for (let oh = 0; oh < Ho; oh++)
          for (let ow = 0; ow < Wo; ow++)
            for (let o = 0; o < Co; o++) {
              let s = 0;
              for (let kh = 0; kh < KH; kh++)
                for (let kw = 0; kw < KW; kw++)
                  for (let c = 0; c < C; c++)
                    s += xv[((n * H + oh + kh) * W + ow + kw) * C + c]! * wv[((kh * KW + kw) * C + c) * Co + o]!;
              wantY[((n * Ho + oh) * Wo + ow) * Co + o] = s;
            }
      const runs = [1, 2, 3].map((threads) => {
        a.setThreads(threads);
        heap.f32(y, wantY.length).fill(Number.NaN);
        // stride 1, no padding: source row = (oh·1 + 0 + kh·1) / 1
        a.gather_conv(heap.memory.buffer, x, w, y, N, H, W, C, Ho, Wo, Co, KH, KW, 1, 1, 0, 0, 1, 1, 1, 1);
        heap.f32(dw, KH * KW * C * Co).fill(Number.NaN);
        // dW = Σ x ⊗ dy with dy = y
        a.conv2d_backprop_filter(heap.memory.buffer, x, y, dw, N, H, W, C, Ho, Wo, Co, KH, KW, 1, 1, 0, 0, 1, 1);
        return [heap.f32(y, wantY.length).slice(), heap.f32(dw, KH * KW * C * Co).slice()] as const;
      });
      expect(maxScaled(runs[0]![0], wantY)).toBeLessThan(2e-6);
      const yv = runs[0]![0];
      const wantDw = new Float64Array(KH * KW * C * Co);
      for (let n = 0; n < N; n++)
        for (let oh = 0; oh < Ho; oh++)
          for (let ow = 0; ow < Wo; ow++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++)
                for (let c = 0; c < C; c++)
                  for (let o = 0; o < Co; o++)
                    wantDw[((kh * KW + kw) * C + c) * Co + o]! +=
                      xv[((n * H + oh + kh) * W + ow + kw) * C + c]! * yv[((n * Ho + oh) * Wo + ow) * Co + o]!;
      expect(maxScaled(runs[0]![1], wantDw)).toBeLessThan(2e-6);
      for (const r of runs.slice(1)) {
        expect(r[0]).toEqual(runs[0]![0]);
        expect(r[1]).toEqual(runs[0]![1]);
      }
    });
  });

  it('refuses a heap offset outside the heap and a wrong argument count, in one line', () => {
    const heap = new Heap();
    const big = heap.memory.buffer.byteLength + 64;
    expect(() => a.sum_rows(heap.memory.buffer, big, 64, 1, 1)).toThrow(/^kd native kernel: offset outside the heap$/);
    expect(() => a.sum_rows(heap.memory.buffer, 64, 128)).toThrow(/^kd native kernel: wrong number of arguments$/);
    expect(() => a.setGemm('mkl' as AddonGemm)).toThrow(/'openblas' or 'own'/);
  });
});
