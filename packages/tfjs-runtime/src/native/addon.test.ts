import { loadNativeAddon } from '@kd/native-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddonStatus } from './addon.js';
import { relaxedSimdAvailable, wasmApi, wasmKernelsOn } from './wasm-builds.js';

// The addon's FMA build is the wasm relaxed-SIMD build's C compiled for x86-64 (SSE registers
// through simd128_x86.h, 256-bit tiles for 16 output channels at a time — of 6 output pixels that
// run on across rows, or 6 input channels of the filter gradient, where the output channels are a
// multiple of 16 — and 512-bit tiles of up to 8 columns x 32 channels — 14 columns x 16 channels
// when there are 16 — where the CPU has AVX-512F): every kernel that it does not split
// differently must give the very same bits, with either tile width. Kernels on one
// WebAssembly.Memory, side by side.
const load = loadNativeAddon();
const addon = load.ok ? load.addon : undefined;
const runs = addon !== undefined && addon.info().isa === 'fma' && relaxedSimdAvailable();
const initial = addon?.info();
const tileWidths = initial?.tiles === 'avx512' ? (['avx512', 'avx2'] as const) : (['avx2'] as const);
afterAll(() => {
  if (addon && initial) {
    addon.setIsa(initial.isa);
    if (initial.isa === 'fma') addon.setTiles(initial.tiles === 'avx512' ? 'avx512' : 'avx2');
  }
});

describe.skipIf(!runs).each(tileWidths)(
  'native FMA build (%s tiles) = wasm relaxed-SIMD build, bit for bit',
  (tiles) => {
    const memory = new (wasmApi.Memory as unknown as new (d: { initial: number }) => { buffer: ArrayBuffer })({
      initial: 512,
    });
    let wasm: ReturnType<typeof wasmKernelsOn>;
    beforeAll(() => {
      wasm = wasmKernelsOn(memory, 'relaxed-simd');
    });
    let top = 64;
    const alloc = (floats: number, seed?: number) => {
      const offset = top;
      top += Math.ceil((floats * 4) / 64) * 64 + 64;
      if (seed !== undefined) {
        const v = new Float32Array(memory.buffer, offset, floats);
        for (let i = 0; i < floats; i++) v[i] = Math.sin(i * 0.61 + seed) * 0.7 + Math.cos(i * 0.013 * seed) * 0.2;
      }
      return offset;
    };
    const same = (out: number, floats: number, run: (k: 'wasm' | 'native') => void) => {
      run('wasm');
      const want = new Float32Array(memory.buffer, out, floats).slice();
      new Float32Array(memory.buffer, out, floats).fill(Number.NaN);
      run('native');
      const got = new Float32Array(memory.buffer, out, floats).slice();
      expect(Number.isFinite(want[0]!)).toBe(true);
      expect(got).toEqual(want);
    };

    it('has both builds here', () => {
      expect(nativeAddonStatus().state).toBe('used');
      addon!.setIsa('fma');
      expect(addon!.setTiles(tiles)).toBe(tiles);
    });

    // Cout 37 = 16 + 16 (256-bit tiles) or 32 (512-bit tile), then 4 + 1: the scalar tail; Cout 53
    // adds a 16-channel 512-bit tile. Widths 10, 13, 7 give 8, 11 (8 + 3) and 5 output columns at
    // stride 1: 512-bit tiles of 8, 3 and 5 columns (4 + 4, 4 + 3 and 4 + 1 with 256-bit ones).
    // Cout 16 alone takes 512-bit tiles of 14 columns: widths 32 and 31 give 30 (14 + 14 + 2) and
    // 15 (14 + 1) columns. Cout 32, 48, 64 at source stride 1 take the 256-bit tiles of 6 pixels
    // across rows, a tail of 1–3 pixels going with the last 6 as two tiles: 9 × 8 = 72 pixels (12 × 6),
    // 9 × 11 = 99 (15 × 6 + 5 + 4), 9 × 5 = 45 (6 × 6 + 5 + 4), with dilation 2 (taps not contiguous)
    // 7 × 6 = 42; at stride 2, 5 × 4 = 20 (2 × 6 + 4 + 4), 5 × 5 = 25 (3 × 6 + 4 + 3), 5 × 2 = 10 (6 + 4).
    it.each([
      [1, 1, 10, 32],
      [2, 1, 11, 32],
      [2, 1, 5, 48],
      [1, 1, 13, 48],
      [1, 1, 7, 64],
      [1, 2, 10, 32],
      [2, 1, 10, 32],
      [1, 1, 10, 37],
      [2, 1, 10, 37],
      [1, 2, 10, 37],
      [1, 1, 13, 53],
      [1, 1, 7, 53],
      [2, 1, 13, 16],
      [1, 1, 32, 16],
      [2, 1, 31, 16],
      [1, 2, 33, 16],
    ])(
      'gather_conv (forward conv, stride %i, dilation %i): 6 images of width %i, %i output channels',
      (s, d, W, Co) => {
        const [N, H, C, K] = [6, 11, 7, 3];
        const Ho = Math.floor((H - d * (K - 1) - 1) / s) + 1;
        const Wo = Math.floor((W - d * (K - 1) - 1) / s) + 1;
        const x = alloc(N * H * W * C, 1);
        const w = alloc(K * K * C * Co, 2);
        const y = alloc(N * Ho * Wo * Co);
        const args = [x, w, y, N, H, W, C, Ho, Wo, Co, K, K, s, s, 0, 0, d, d, 1, 1] as const;
        same(y, N * Ho * Wo * Co, (k) =>
          k === 'wasm' ? wasm.gather_conv(...args) : addon!.gather_conv(memory.buffer, ...args),
        );
      },
    );

    // the source read with stride 2; 16 output channels put the phases' 15 and 14 columns in
    // 512-bit tiles of 14; 32 and 48 take the 256-bit tiles of 6 pixels of one phase (rows and
    // columns of one parity: 7 × 7 = 6 × 7 + 4 + 3, and 9 × 9, 9 × 8, 8 × 8 at 17 × 17)
    it.each([
      [5, 9, 33, 20, 15],
      [3, 17, 9, 16, 29],
      [4, 8, 24, 32, 14],
      [3, 9, 16, 48, 17],
    ])('gather_conv as the stride-2 input gradient: %i images of %i², %i → %i channels, %i² out', (N, S, C, Co, O) => {
      const K = 3;
      const src = alloc(N * S * S * C, 3 + Co);
      const w = alloc(K * K * C * Co, 4 + Co);
      const dst = alloc(N * O * O * Co);
      const args = [src, w, dst, N, S, S, C, O, O, Co, K, K, 1, 1, 0, 0, 1, 1, 2, 2] as const;
      same(dst, N * O * O * Co, (k) =>
        k === 'wasm' ? wasm.gather_conv(...args) : addon!.gather_conv(memory.buffer, ...args),
      );
    });

    // The addon pads image by image into each thread's scratch; the wasm build padding the whole
    // batch first must give the same bits, on 1 and 2 threads (asymmetric padding, stride 2).
    it.each([
      [16, 1],
      [37, 2],
    ])('gather_conv_padded (%i output channels, %i thread(s)) = pad_nhwc, then gather_conv', (Co, threads) => {
      addon!.setThreads(threads);
      const [N, H, W, C, K, s, top, left, bottom, right] = [11, 28, 27, 6, 3, 2, 1, 1, 0, 1];
      const [Hp, Wp] = [H + top + bottom, W + left + right];
      const [Ho, Wo] = [Math.floor((Hp - K) / s) + 1, Math.floor((Wp - K) / s) + 1];
      const x = alloc(N * H * W * C, 15);
      const w = alloc(K * K * C * Co, 16);
      const padded = alloc(N * Hp * Wp * C);
      const y = alloc(N * Ho * Wo * Co);
      const geometry = [Ho, Wo, Co, K, K, s, s, 0, 0, 1, 1, 1, 1] as const;
      same(y, N * Ho * Wo * Co, (k) => {
        if (k === 'wasm') {
          wasm.pad_nhwc(x, padded, N, H, W, C, Hp, Wp, top, left);
          wasm.gather_conv(padded, w, y, N, Hp, Wp, C, ...geometry);
        } else {
          addon!.gather_conv_padded(memory.buffer, x, w, y, N, H, W, C, top, left, Hp, Wp, ...geometry);
        }
      });
      addon!.setThreads(1);
    });

    // input channels 6 (one tile of 6, or 4 + 1 + 1) and 13 (8 + 5, or 4 + 4 + 4 + 1); output channels
    // 35 (32 + 3 or 16 + 16 + 3) and 53 (32 + 16 + 4 + 1); 16 output channels take 512-bit tiles of
    // 16 input channels (35 = 16 + 16 + 3); with 256-bit tiles, output channels a multiple of 16
    // take 6 input channels at a time, leaving a multiple of 4 where they can (16 = 6 + 6 + 4,
    // 32 = 4 × 6 + 4 + 4, 13 = 6 + 6 + 1, 35 = 5 × 6 + 4 + 1)
    it.each([
      [13, 32],
      [32, 32],
      [6, 35],
      [13, 53],
      [16, 16],
      [35, 16],
    ])(
      'conv2d_backprop_filter over ≤ 8 images (one chunk: the same sums), %i → %i channels, padding and stride 2',
      (C, Co) => {
        const [N, H, W, K] = [8, 12, 11, 3];
        const [Ho, Wo] = [6, 6];
        const x = alloc(N * H * W * C, 5);
        const dy = alloc(N * Ho * Wo * Co, 6);
        const dw = alloc(K * K * C * Co);
        const args = [x, dy, dw, N, H, W, C, Ho, Wo, Co, K, K, 2, 2, 1, 1, 1, 1] as const;
        same(dw, K * K * C * Co, (k) =>
          k === 'wasm' ? wasm.conv2d_backprop_filter(...args) : addon!.conv2d_backprop_filter(memory.buffer, ...args),
        );
      },
    );

    // one input channel and 16 or 32 output channels: the 512-bit build takes the 9 taps at once;
    // strides, paddings (0 leaves border taps without some rows) and dilations
    it.each([
      [16, 1, 1, 1],
      [32, 1, 1, 1],
      [16, 2, 1, 1],
      [32, 2, 0, 1],
      [16, 1, 2, 2],
      [32, 1, 0, 2],
    ])('conv2d_backprop_filter of one input channel into %i, stride %i, padding %i, dilation %i', (Co, s, p, d) => {
      const [N, H, W, K] = [8, 13, 12, 3];
      const Ho = Math.floor((H + 2 * p - d * (K - 1) - 1) / s) + 1;
      const Wo = Math.floor((W + 2 * p - d * (K - 1) - 1) / s) + 1;
      const x = alloc(N * H * W, 17);
      const dy = alloc(N * Ho * Wo * Co, 18);
      const dw = alloc(K * K * Co);
      const args = [x, dy, dw, N, H, W, 1, Ho, Wo, Co, K, K, s, s, p, p, d, d] as const;
      same(dw, K * K * Co, (k) =>
        k === 'wasm' ? wasm.conv2d_backprop_filter(...args) : addon!.conv2d_backprop_filter(memory.buffer, ...args),
      );
    });

    // 5000 x 64: 20 chunks of 256 rows, summed in 3 tasks on 2 threads (and its rows on both)
    it.each([
      [300, 21, 1],
      [5000, 64, 2],
    ])('batch norm and layer norm, forward and backward: %i x %i on %i thread(s)', (M, C, threads) => {
      addon!.setThreads(threads);
      const [x, dy, gamma, beta] = [alloc(M * C, 7), alloc(M * C, 8), alloc(C, 9), alloc(C, 10)];
      const [y, mean, variance, dx, dgamma, dbeta, scratch] = [
        alloc(M * C),
        alloc(M),
        alloc(M),
        alloc(M * C),
        alloc(C),
        alloc(C),
        alloc(8 * C),
      ];
      for (const relu of [1, 0]) {
        const bn = [x, gamma, beta, y, mean, variance, M, C, 1e-3, relu, scratch] as const;
        same(y, M * C, (k) =>
          k === 'wasm' ? wasm.bn_train_forward(...bn) : addon!.bn_train_forward(memory.buffer, ...bn),
        );
      }
      const bnGrad = [dy, x, mean, variance, gamma, dx, dgamma, dbeta, M, C, 1e-3, scratch] as const;
      same(dx, M * C, (k) =>
        k === 'wasm' ? wasm.bn_train_backward(...bnGrad) : addon!.bn_train_backward(memory.buffer, ...bnGrad),
      );
      const ln = [x, gamma, beta, y, mean, variance, M, C, 1e-5] as const;
      same(y, M * C, (k) => (k === 'wasm' ? wasm.ln_forward(...ln) : addon!.ln_forward(memory.buffer, ...ln)));
      const lnGrad = [dy, x, mean, variance, gamma, dx, dgamma, dbeta, M, C] as const;
      const zero = () => {
        new Float32Array(memory.buffer, dgamma, C).fill(0);
        new Float32Array(memory.buffer, dbeta, C).fill(0);
      };
      same(dx, M * C, (k) => {
        zero();
        if (k === 'wasm') wasm.ln_backward(...lnGrad);
        else addon!.ln_backward(memory.buffer, ...lnGrad);
      });
      addon!.setThreads(1);
    });

    // 21 columns = 16 + 4 + 1; 300 rows = a chunk of 256 and a rest; 7 slices, one task each on 2 threads
    // kd's own GEMM (the addon's is 6 × 16 tiles with A read in place, the wasm build's 5 × 8 with A
    // packed): rows 100 = 16 × 6 + 4 (a tail of rows, packed), 37 = 2 × 16 + 5 columns (a tail of
    // columns), K 300 and 257 = two blocks of 256 products; 600 rows are 3 tasks on 2 threads
    it.each([
      [1, 100, 37, 300, 0, 0],
      [2, 13, 16, 257, 1, 0],
      [1, 64, 48, 40, 0, 1],
      [3, 7, 5, 9, 1, 1],
      [1, 600, 128, 128, 0, 0],
    ])('batch_matmul batch %i, %i×%i×%i, transposes %i/%i, own GEMM, on 1 and 2 threads', (batch, m, n, k, ta, tb) => {
      const [A, B, C] = [alloc(batch * m * k, 21), alloc(batch * k * n, 22), alloc(batch * m * n)];
      const scratch = alloc(256 * (n + 16) + 256 * 8 + 64);
      const blas = addon!.info().blas;
      addon!.setGemm('own');
      for (const threads of [1, 2]) {
        addon!.setThreads(threads);
        const args = [A, B, C, batch, m, n, k, m * k, k * n, ta, tb, scratch] as const;
        same(C, batch * m * n, (w) =>
          w === 'wasm' ? wasm.batch_matmul(...args) : addon!.batch_matmul(memory.buffer, ...args),
        );
      }
      addon!.setThreads(1);
      if (blas) addon!.setGemm('openblas');
    });

    it.each([1, 2])('sum over middle axes (sum and mean) on %i thread(s)', (threads) => {
      addon!.setThreads(threads);
      const [O, R, C] = [7, 300, 21];
      const [x, out] = [alloc(O * R * C, 13), alloc(O * C)];
      for (const divisor of [1, R]) {
        const args = [x, out, O, R, C, divisor] as const;
        same(out, O * C, (k) => (k === 'wasm' ? wasm.sum_middle(...args) : addon!.sum_middle(memory.buffer, ...args)));
      }
      addon!.setThreads(1);
    });

    // 21 channels = 16 + 4 + 1 (every path of the scan); 3 x 3 windows at stride 2 with padding 1,
    // clipped at every border; values on a coarse grid, so windows hold ties (the first maximum wins
    // in both passes); 9 images, one task each on 2 threads
    it.each([1, 2])('max pool and its gradient on %i thread(s)', (threads) => {
      addon!.setThreads(threads);
      const [N, H, W, C, Ho, Wo] = [9, 11, 10, 21, 6, 5];
      const x = alloc(N * H * W * C, 11);
      const xs = new Float32Array(memory.buffer, x, N * H * W * C);
      for (let i = 0; i < xs.length; i++) xs[i] = Math.round(xs[i]! * 4) / 4;
      const dy = alloc(N * Ho * Wo * C, 12);
      const [y, dx] = [alloc(N * Ho * Wo * C), alloc(N * H * W * C)];
      const dims = [N, H, W, C, Ho, Wo, 3, 3, 2, 2, 1, 1] as const;
      same(y, N * Ho * Wo * C, (k) =>
        k === 'wasm' ? wasm.max_pool(x, y, ...dims) : addon!.max_pool(memory.buffer, x, y, ...dims),
      );
      same(dx, N * H * W * C, (k) =>
        k === 'wasm' ? wasm.max_pool_grad(x, dy, dx, ...dims) : addon!.max_pool_grad(memory.buffer, x, dy, dx, ...dims),
      );
      addon!.setThreads(1);
    });
  },
);
