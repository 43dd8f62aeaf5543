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

#endif
