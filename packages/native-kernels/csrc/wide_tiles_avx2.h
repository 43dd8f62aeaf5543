// 256-bit register tiles for the x86-64 FMA build (KD_WIDE_TILES, compiled with -mavx2 -mfma):
// 16 output channels per tile where the 4-wide kernels take 8. Each lane accumulates exactly the
// same products in the same order with the same fused multiply-adds as the 4-wide tiles, so the
// results are bitwise those of the FMA build without them (and of the wasm relaxed-SIMD build).
#ifndef KD_WIDE_TILES_AVX2_H
#define KD_WIDE_TILES_AVX2_H

#include <immintrin.h>

#define FMA8(acc, a, b) ((acc) = _mm256_fmadd_ps((a), (b), (acc)))

// Forward / input-gradient convolution: mr (1..4) output columns x 16 output channels.
INLINE void gc_tile16(const f32* srcN, const f32* w, f32* dstp, int mr,
                      int oh, int ow0, int Ws, int Cin, int Cout, int KH, int KW,
                      int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw, int dstColStep) {
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  const int srcColStep = Aw * Cin;
  const int merged = Sw == 1 && Dw == 1;
  for (int kh = 0; kh < KH; kh++) {
    const int th = oh * Ah + Bh + kh * Dh;
    if (th % Sh != 0) continue;
    const f32* srcRow = srcN + (th / Sh) * Ws * Cin;
    for (int kw = 0; kw < (merged ? 1 : KW); kw++) {
      const int tw = ow0 * Aw + Bw + kw * Dw;
      if (tw % Sw != 0) continue;
      const f32* sp = srcRow + (tw / Sw) * Cin;
      const f32* wp = w + (kh * KW + kw) * Cin * Cout;
      const int run = merged ? KW * Cin : Cin;
      for (int i = 0; i < run; i++) {
        const __m256 w0 = _mm256_loadu_ps(wp), w1 = _mm256_loadu_ps(wp + 8);
        const __m256 s0 = _mm256_broadcast_ss(sp);
        FMA8(a00, s0, w0);
        FMA8(a01, s0, w1);
        if (mr > 1) {
          const __m256 s1 = _mm256_broadcast_ss(sp + srcColStep);
          FMA8(a10, s1, w0);
          FMA8(a11, s1, w1);
        }
        if (mr > 2) {
          const __m256 s2 = _mm256_broadcast_ss(sp + 2 * srcColStep);
          FMA8(a20, s2, w0);
          FMA8(a21, s2, w1);
        }
        if (mr > 3) {
          const __m256 s3 = _mm256_broadcast_ss(sp + 3 * srcColStep);
          FMA8(a30, s3, w0);
          FMA8(a31, s3, w1);
        }
        sp++;
        wp += Cout;
      }
    }
  }
  _mm256_storeu_ps(dstp, a00);
  _mm256_storeu_ps(dstp + 8, a01);
  if (mr > 1) { _mm256_storeu_ps(dstp + dstColStep, a10); _mm256_storeu_ps(dstp + dstColStep + 8, a11); }
  if (mr > 2) { _mm256_storeu_ps(dstp + 2 * dstColStep, a20); _mm256_storeu_ps(dstp + 2 * dstColStep + 8, a21); }
  if (mr > 3) { _mm256_storeu_ps(dstp + 3 * dstColStep, a30); _mm256_storeu_ps(dstp + 3 * dstColStep + 8, a31); }
}

// Filter gradient: mr (1..4) input channels x 16 output channels, summed over rows x cols pixels.
INLINE void bf_tile16(const f32* x, const f32* dy, f32* dw, int mr,
                      int rows, int cols, int xRowStep, int xColStep, int dyRowStep, int Co) {
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int r = 0; r < rows; r++) {
    const f32* xp = x + r * xRowStep;
    const f32* dp = dy + r * dyRowStep;
    for (int q = 0; q < cols; q++) {
      const __m256 d0 = _mm256_loadu_ps(dp), d1 = _mm256_loadu_ps(dp + 8);
      const __m256 s0 = _mm256_broadcast_ss(xp);
      FMA8(a00, s0, d0);
      FMA8(a01, s0, d1);
      if (mr > 1) {
        const __m256 s1 = _mm256_broadcast_ss(xp + 1);
        FMA8(a10, s1, d0);
        FMA8(a11, s1, d1);
      }
      if (mr > 2) {
        const __m256 s2 = _mm256_broadcast_ss(xp + 2);
        FMA8(a20, s2, d0);
        FMA8(a21, s2, d1);
      }
      if (mr > 3) {
        const __m256 s3 = _mm256_broadcast_ss(xp + 3);
        FMA8(a30, s3, d0);
        FMA8(a31, s3, d1);
      }
      xp += xColStep;
      dp += Co;
    }
  }
  f32* o = dw;
  _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a00));
  _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a01));
  if (mr > 1) {
    o += Co;
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a10));
    _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a11));
  }
  if (mr > 2) {
    o += Co;
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a20));
    _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a21));
  }
  if (mr > 3) {
    o += Co;
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a30));
    _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a31));
  }
}

// The FMA build without the 512-bit tiles (KD_AVX512_TILES) takes wider 256-bit tiles where the
// channels allow: 12 accumulators instead of 8, which cover the FMA units' latency with room to
// spare and read each filter row once per 6 pixels (or 6 input channels) instead of 4. On a Zen 3
// core, 32 → 32 and 64 → 64 convolutions at 14×14 and 7×7: 67–73 → 85–90 GFLOP/s; the input
// gradient of a stride-2 convolution into 32 channels ≈ 20 % faster (16-channel outputs keep the
// 4-column tiles, as fast or faster there). The same products in the same order per output.
#ifndef KD_AVX512_TILES
#define KD_FLAT_TILES

// One run of a pixel's taps: `run` source values from its pixel's start + src, against the filter
// rows from w (taps of one filter row are one run of KW*Cin where they lie side by side).
typedef struct {
  int src, w, run;
} kd_tap;
#define KD_FLAT_MAX_TAPS 64

// MR (1..6) output pixels anywhere in the image (sources sp[j], outputs dp[j]) x 16 output
// channels, over the same taps for every pixel.
INLINE void gc_flat16_body(const f32* const* sp, const f32* w, f32* const* dp, const int MR, const kd_tap* taps,
                           int ntaps, int Cout) {
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00,
         a40 = a00, a41 = a00, a50 = a00, a51 = a00;
  for (int t = 0; t < ntaps; t++) {
    const kd_size off = (kd_size)taps[t].src;
    const f32* p0 = sp[0] + off;
    const f32* p1 = MR > 1 ? sp[1] + off : p0;
    const f32* p2 = MR > 2 ? sp[2] + off : p0;
    const f32* p3 = MR > 3 ? sp[3] + off : p0;
    const f32* p4 = MR > 4 ? sp[4] + off : p0;
    const f32* p5 = MR > 5 ? sp[5] + off : p0;
    const f32* wp = w + taps[t].w;
    const int run = taps[t].run;
    for (int i = 0; i < run; i++) {
      const __m256 w0 = _mm256_loadu_ps(wp), w1 = _mm256_loadu_ps(wp + 8);
      __m256 s = _mm256_broadcast_ss(p0 + i);
      FMA8(a00, s, w0);
      FMA8(a01, s, w1);
      if (MR > 1) { s = _mm256_broadcast_ss(p1 + i); FMA8(a10, s, w0); FMA8(a11, s, w1); }
      if (MR > 2) { s = _mm256_broadcast_ss(p2 + i); FMA8(a20, s, w0); FMA8(a21, s, w1); }
      if (MR > 3) { s = _mm256_broadcast_ss(p3 + i); FMA8(a30, s, w0); FMA8(a31, s, w1); }
      if (MR > 4) { s = _mm256_broadcast_ss(p4 + i); FMA8(a40, s, w0); FMA8(a41, s, w1); }
      if (MR > 5) { s = _mm256_broadcast_ss(p5 + i); FMA8(a50, s, w0); FMA8(a51, s, w1); }
      wp += Cout;
    }
  }
  _mm256_storeu_ps(dp[0], a00);
  _mm256_storeu_ps(dp[0] + 8, a01);
  if (MR > 1) { _mm256_storeu_ps(dp[1], a10); _mm256_storeu_ps(dp[1] + 8, a11); }
  if (MR > 2) { _mm256_storeu_ps(dp[2], a20); _mm256_storeu_ps(dp[2] + 8, a21); }
  if (MR > 3) { _mm256_storeu_ps(dp[3], a30); _mm256_storeu_ps(dp[3] + 8, a31); }
  if (MR > 4) { _mm256_storeu_ps(dp[4], a40); _mm256_storeu_ps(dp[4] + 8, a41); }
  if (MR > 5) { _mm256_storeu_ps(dp[5], a50); _mm256_storeu_ps(dp[5] + 8, a51); }
}

// Out of line, one function per MR: inlined into gather_conv's loops, the compiler ran out of
// registers and kept the six source pointers on the stack.
NOINLINE void gc_flat16_6(const f32* const* sp, const f32* w, f32* const* dp, const kd_tap* taps, int ntaps,
                          int Cout) {
  gc_flat16_body(sp, w, dp, 6, taps, ntaps, Cout);
}
NOINLINE void gc_flat16_tail(const f32* const* sp, const f32* w, f32* const* dp, int mr, const kd_tap* taps,
                             int ntaps, int Cout) {
  switch (mr) {
    case 5: gc_flat16_body(sp, w, dp, 5, taps, ntaps, Cout); break;
    case 4: gc_flat16_body(sp, w, dp, 4, taps, ntaps, Cout); break;
    case 3: gc_flat16_body(sp, w, dp, 3, taps, ntaps, Cout); break;
    case 2: gc_flat16_body(sp, w, dp, 2, taps, ntaps, Cout); break;
    default: gc_flat16_body(sp, w, dp, 1, taps, ntaps, Cout); break;
  }
}

// Whether gather_conv_flat takes a convolution: output channels a multiple of 16 and more than 16
// (with 16, the 4-column tiles are as fast or faster), unit output strides where the source is
// strided (the input gradient's phases), and few enough taps.
INLINE int gather_conv_flat_fits(int Cout, int KH, int KW, int Ah, int Aw, int Sh, int Sw) {
  if (Cout % 16 != 0 || Cout == 16 || KH * KW > KD_FLAT_MAX_TAPS) return 0;
  return (Sh == 1 && Sw == 1) || (Ah == 1 && Aw == 1);
}

// One image of gather_conv (as gather_conv_flat_fits allows): the output pixels of each phase (the
// rows oh ≡ ph, columns ow ≡ pw modulo the source strides, which share their taps; one phase at
// unit strides) in groups of 6 that run on across rows: a 7-wide map is 8 groups and 1 pixel, not 7
// tiles of 4 + 3. Each output adds its taps' products in gather_conv's order (kh, kw, channel).
INLINE void gather_conv_flat(const f32* srcN, const f32* w, f32* dstN, int Ws, int Cin, int Ho, int Wo, int Cout,
                             int KH, int KW, int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw) {
  kd_tap taps[KD_FLAT_MAX_TAPS];
  const f32* sp[6];
  f32* dp[6];
  for (int ph = 0; ph < Sh && ph < Ho; ph++)
    for (int pw = 0; pw < Sw && pw < Wo; pw++) {
      // this phase's taps: th = oh*Ah + Bh + kh*Dh must be a multiple of Sh (likewise tw)
      const int rh = ((ph * Ah + Bh) % Sh + Sh) % Sh, rw = ((pw * Aw + Bw) % Sw + Sw) % Sw;
      int ntaps = 0;
      const int merged = Sw == 1 && Dw == 1;
      for (int kh = 0; kh < KH; kh++) {
        if ((rh + kh * Dh) % Sh != 0) continue;
        for (int kw = 0; kw < (merged ? 1 : KW); kw++) {
          if ((rw + kw * Dw) % Sw != 0) continue;
          taps[ntaps].src = (((rh + kh * Dh) / Sh) * Ws + (rw + kw * Dw) / Sw) * Cin;
          taps[ntaps].w = (kh * KW + kw) * Cin * Cout;
          taps[ntaps].run = merged ? KW * Cin : Cin;
          ntaps++;
        }
      }
      const int rows = (Ho - ph + Sh - 1) / Sh, cols = (Wo - pw + Sw - 1) / Sw;
      // pixel (ph + row*Sh, pw + col*Sw) reads from source row h0 + row*Ah, column w0 + col*Aw, plus
      // its taps' offsets ((oh*Ah + Bh - rh) / Sh: exact, and Ah == 1 where Sh > 1)
      const int h0 = (ph * Ah + Bh - rh) / Sh, w0 = (pw * Aw + Bw - rw) / Sw;
      const int pixels = rows * cols;
      // A tail of 1–3 pixels would run at a third of the speed or less (2–6 accumulators): it takes
      // the last group of 6 with it, as two tiles of 4–5 (49 pixels: 7 × 6, then 4 + 3).
      const int rem = pixels % 6;
      const int whole = rem > 0 && rem < 4 && pixels > 6 ? pixels - rem - 6 : pixels - rem;
      for (int p = 0; p < pixels;) {
        const int left = pixels - p;
        const int mr = p < whole ? 6 : left > 6 ? (left + 1) / 2 : left;
        // the phase's row and column of pixel p, then on along the row (no division per pixel)
        int row = p / cols, col = p % cols;
        for (int j = 0; j < mr; j++) {
          // the pixel's first source row and column, less its phase's offset (taps[].src adds it)
          sp[j] = srcN + ((kd_size)(h0 + row * Ah) * Ws + (w0 + col * Aw)) * Cin;
          dp[j] = dstN + ((kd_size)(ph + row * Sh) * Wo + (pw + col * Sw)) * Cout;
          if (++col == cols) {
            col = 0;
            row++;
          }
        }
        if (ntaps == 0) {  // no tap reaches these pixels: zeros, as gather_conv's empty sums
          for (int j = 0; j < mr; j++)
            for (int o = 0; o < Cout; o++) dp[j][o] = 0;
        } else {
          for (int o = 0; o < Cout; o += 16) {
            f32* d[6];
            for (int j = 0; j < mr; j++) d[j] = dp[j] + o;
            if (mr == 6) gc_flat16_6(sp, w + o, d, taps, ntaps, Cout);
            else gc_flat16_tail(sp, w + o, d, mr, taps, ntaps, Cout);
          }
        }
        p += mr;
      }
    }
}

// Filter gradient: 6 input channels x 16 output channels, summed over rows x cols pixels, added to
// dw (rows of Co).
INLINE void bf_flat16_body(const f32* x, const f32* dy, f32* dw, int rows, int cols, int xRowStep, int xColStep,
                           int dyRowStep, int Co) {
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00,
         a40 = a00, a41 = a00, a50 = a00, a51 = a00;
  for (int r = 0; r < rows; r++) {
    const f32* xp = x + r * xRowStep;
    const f32* dp = dy + r * dyRowStep;
    for (int q = 0; q < cols; q++) {
      const __m256 d0 = _mm256_loadu_ps(dp), d1 = _mm256_loadu_ps(dp + 8);
      // input channel J's value times the 16 dy values, into its two accumulators
#define BF_FLAT_CHANNEL(J, A0, A1)                    \
  do {                                                \
    const __m256 s = _mm256_broadcast_ss(xp + (J));   \
    FMA8(A0, s, d0);                                  \
    FMA8(A1, s, d1);                                  \
  } while (0)
      BF_FLAT_CHANNEL(0, a00, a01);
      BF_FLAT_CHANNEL(1, a10, a11);
      BF_FLAT_CHANNEL(2, a20, a21);
      BF_FLAT_CHANNEL(3, a30, a31);
      BF_FLAT_CHANNEL(4, a40, a41);
      BF_FLAT_CHANNEL(5, a50, a51);
#undef BF_FLAT_CHANNEL
      xp += xColStep;
      dp += Co;
    }
  }
  const __m256 acc[6][2] = {{a00, a01}, {a10, a11}, {a20, a21}, {a30, a31}, {a40, a41}, {a50, a51}};
  for (int j = 0; j < 6; j++) {
    f32* o = dw + j * Co;
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), acc[j][0]));
    _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), acc[j][1]));
  }
}

// How many groups of 6 of C input channels the filter gradient takes: as many as leave a multiple of
// 4 to the 4-channel tiles (32 = 4 × 6 + 2 × 4, not 5 × 6 and two single channels), else C / 6.
INLINE int bf_groups_of_6(int C) {
  for (int k = C / 6; k > 0; k--)
    if ((C - 6 * k) % 4 == 0) return k;
  return C / 6;
}

// 6 input channels x all output channels (Co a multiple of 16), out of line as gc_flat16_6.
NOINLINE void bf_flat16_6(const f32* x, const f32* dy, f32* dw, int rows, int cols, int xRowStep, int xColStep,
                          int dyRowStep, int Co) {
  for (int co = 0; co < Co; co += 16)
    bf_flat16_body(x, dy + co, dw + co, rows, cols, xRowStep, xColStep, dyRowStep, Co);
}

#endif

// ---------------------------------------------------------------------------------------------
// Matrix product rows with 6 × 16 tiles: C[m0..m1) = op(A) · op(B), row-major, as batch_matmul
// computes them (each output the fused multiply-add chain over a block of MM_KC products from 0,
// added to C block after block; C starts at +0), so the bits of the 4- and 5-row tiles. op(B) is
// packed per block into panels of 16 columns; op(A) as gemm_rows_avx2 says. 12 accumulators: the
// tile alone runs at ≈ 88 % of the FMA peak.
// scratch: KD_GEMM_ROWS_SCRATCH(N) floats (kernel_table.h): the packed block of op(B), then
// (GEMM_ROWS_MC + 6) · MM_KC for op(A)'s packed rows, then a 6 × 16 tile.
// ---------------------------------------------------------------------------------------------

#define GEMM_ROWS_MC 192  // rows of op(A) per sweep over the packed op(B) (in L2 while the panels pass; 1–10 %
                          // faster than 96 on the transformer's products, tools/bench/gemm-kernels.mjs)
_Static_assert(GEMM_ROWS_MC % 6 == 0, "whole micro-panels of 6 rows");

// c[i][0..16) = (first ? +0 : c[i]) + Σ_k a[i·ars + k·aks] · bp[k][0..16), i < 6
INLINE void gemm_tile_6x16(const f32* a, int ars, int aks, const f32* bp, int kc, f32* c, int ldc, int first) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
         c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const f32 *a0 = a, *a1 = a + ars, *a2 = a + 2 * ars, *a3 = a + 3 * ars, *a4 = a + 4 * ars, *a5 = a + 5 * ars;
#define GEMM_ROW(i)                             \
  {                                             \
    const __m256 s = _mm256_broadcast_ss(a##i + o); \
    FMA8(c##i##0, s, b0);                       \
    FMA8(c##i##1, s, b1);                       \
  }
  for (int k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    const kd_size o = (kd_size)k * aks;
    GEMM_ROW(0) GEMM_ROW(1) GEMM_ROW(2) GEMM_ROW(3) GEMM_ROW(4) GEMM_ROW(5)
    bp += 16;
  }
#undef GEMM_ROW
  const __m256 z = _mm256_setzero_ps();
#define GEMM_STORE(i)                                                              \
  {                                                                                \
    f32* r = c + (i) * ldc;                                                        \
    _mm256_storeu_ps(r, _mm256_add_ps(first ? z : _mm256_loadu_ps(r), c##i##0));   \
    _mm256_storeu_ps(r + 8, _mm256_add_ps(first ? z : _mm256_loadu_ps(r + 8), c##i##1)); \
  }
  GEMM_STORE(0) GEMM_STORE(1) GEMM_STORE(2) GEMM_STORE(3) GEMM_STORE(4) GEMM_STORE(5)
#undef GEMM_STORE
}

// Bp[panel][k][16] from op(B) rows k0..k0+kc, columns zero-padded to a multiple of 16 (B's rows
// ldb floats apart: op(B)[k][n] = transB ? B[n·ldb + k] : B[k·ldb + n]).
INLINE void gemm_pack_b16(const f32* B, f32* Bp, int k0, int kc, int N, int ldb, int transB) {
  for (int n0 = 0; n0 < N; n0 += 16) {
    f32* d = Bp + (kd_size)(n0 / 16) * kc * 16;
    const int nn = imin(16, N - n0);
    if (!transB && nn == 16) {
      for (int k = 0; k < kc; k++) {
        const f32* src = B + (kd_size)(k0 + k) * ldb + n0;
        _mm256_storeu_ps(d + k * 16, _mm256_loadu_ps(src));
        _mm256_storeu_ps(d + k * 16 + 8, _mm256_loadu_ps(src + 8));
      }
    } else {
      for (int k = 0; k < kc; k++)
        for (int j = 0; j < 16; j++)
          d[k * 16 + j] = j < nn ? (transB ? B[(kd_size)(n0 + j) * ldb + k0 + k] : B[(kd_size)(k0 + k) * ldb + n0 + j]) : 0;
    }
  }
}

// op(A)'s rows [r, r + mm) (mm ≤ 6), products k0..k0+kc, as a micro-panel Ap[k][6], zero rows below
// (A's rows lda floats apart: op(A)[i][k] = transA ? A[k·lda + i] : A[i·lda + k]).
INLINE void gemm_pack_a6(const f32* A, f32* Ap, int r, int mm, int k0, int kc, int lda, int transA) {
  if (transA && mm == 6) {  // six neighbours in each row of A: a copy
    const f32* a = A + (kd_size)k0 * lda + r;
    for (int k = 0; k < kc; k++, a += lda)
      for (int i = 0; i < 6; i++) Ap[k * 6 + i] = a[i];
    return;
  }
  for (int k = 0; k < kc; k++)
    for (int i = 0; i < 6; i++)
      Ap[k * 6 + i] = i < mm ? (transA ? A[(kd_size)(k0 + k) * lda + r + i] : A[(kd_size)(r + i) * lda + k0 + k]) : 0;
}

// Rows [m0, m1) of C = op(A) · op(B) for one product (A [M, K] or, transposed, [K, M]), rows of A, B
// and C lda, ldb and ldc floats apart (a contiguous product: lda = transA ? M : K, ldb = transB ? K :
// N, ldc = N; attention's heads where they lie: wider). Untransposed, op(A)'s rows are read where
// they lie (six sequential streams); transposed, each of its rows is a column of A (a cache line per
// product), so the block's rows are packed first, once for all the column panels. The strides
// change which addresses are read, never which products each output adds in which order.
NOINLINE void gemm_rows_avx2(const f32* A, const f32* B, f32* C, int M, int N, int K, int m0, int m1, int transA,
                             int transB, int lda, int ldb, int ldc, f32* scratch) {
  f32* Bp = scratch;
  f32* Ap = Bp + (kd_size)256 * ((N + 15) / 16 * 16);
  f32* tmp = Ap + (kd_size)(GEMM_ROWS_MC + 6) * 256;
  for (int k0 = 0; k0 < K; k0 += 256) {
    const int kc = imin(256, K - k0), first = k0 == 0;
    gemm_pack_b16(B, Bp, k0, kc, N, ldb, transB);
    for (int mb = m0; mb < m1; mb += GEMM_ROWS_MC) {
      const int me = imin(m1, mb + GEMM_ROWS_MC);
      if (transA) {
        for (int r = mb; r < me; r += 6) gemm_pack_a6(A, Ap + (kd_size)(r - mb) * kc, r, imin(6, me - r), k0, kc, lda, 1);
      } else if ((me - mb) % 6 != 0) {  // untransposed rows are read in place, but a tail of fewer than 6
        const int r = me - (me - mb) % 6;  // is packed with zero rows below it, once for all the panels
        gemm_pack_a6(A, Ap + (kd_size)(r - mb) * kc, r, me - r, k0, kc, lda, 0);
      }
      for (int n0 = 0; n0 < N; n0 += 16) {
        const int nn = imin(16, N - n0);
        const f32* bp = Bp + (kd_size)(n0 / 16) * kc * 16;
        for (int r = mb; r < me; r += 6) {
          const int mm = imin(6, me - r);
          const f32* a = Ap + (kd_size)(r - mb) * kc;  // the packed micro-panel (r - mb is a multiple of 6)
          int rs = 1, ks = 6;
          if (!transA && mm == 6) {  // in place
            a = A + (kd_size)r * lda + k0;
            rs = lda;
            ks = 1;
          }
          f32* c = C + (kd_size)r * ldc + n0;
          if (mm == 6 && nn == 16) {
            gemm_tile_6x16(a, rs, ks, bp, kc, c, ldc, first);
          } else {
            gemm_tile_6x16(a, rs, ks, bp, kc, tmp, 16, 1);
            for (int i = 0; i < mm; i++)
              for (int j = 0; j < nn; j++)
                c[(kd_size)i * ldc + j] = (first ? 0.0f : c[(kd_size)i * ldc + j]) + tmp[i * 16 + j];
          }
        }
      }
    }
  }
}

#endif
