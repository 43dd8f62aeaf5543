// 512-bit register tiles for the x86-64 FMA build on CPUs with AVX-512 (KD_AVX512_TILES, compiled
// with -mavx512f -mavx2 -mfma): up to 8 output columns x 32 output channels per tile for the
// convolutions, up to 8 input channels x 32 output channels for the filter gradient, where the
// 256-bit tiles (wide_tiles_avx2.h) take 4 x 16. Each lane accumulates exactly the same products in
// the same order with the same fused multiply-adds as the 4-wide tiles, so the results are bitwise
// those of the FMA build without them (and of the wasm relaxed-SIMD build): the tile width is a
// matter of speed only, like the number of threads.
//
// MR and NZ are compile-time constants at every call (the dispatchers below switch on them), so the
// accumulator arrays unroll into registers: NZ zmm per column (16 or 32 channels), MR columns.
#ifndef KD_WIDE_TILES_AVX512_H
#define KD_WIDE_TILES_AVX512_H

#include <immintrin.h>

#define Z_MR 8       // most columns (or input channels) per tile
// When the output channels are one 512-bit vector (16), a tile of 8 has only 8 accumulators, which
// barely cover the FMA units' latency: such convolutions take 14 columns per tile, and their filter
// gradients 16 input channels.
#define Z_MR_ONE 14
#define Z_MR_ONE_BF 16

// Forward / input-gradient convolution: MR output columns x 16*NZ output channels.
INLINE void gc_tile_z(const f32* srcN, const f32* w, f32* dstp, const int MR, const int NZ,
                      int oh, int ow0, int Ws, int Cin, int Cout, int KH, int KW,
                      int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw, int dstColStep) {
  __m512 acc[Z_MR_ONE][2];
  for (int j = 0; j < MR; j++)
    for (int v = 0; v < NZ; v++) acc[j][v] = _mm512_setzero_ps();
  const int srcColStep = Aw * Cin;
  const kd_size cs = (kd_size)srcColStep;
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
      // a base pointer per 4 columns, the 4 sharing the index registers 0, cs, 2·cs, 3·cs: few
      // enough registers that none is spilled to the stack inside the loop
      const f32* quad[4] = {sp, sp + 4 * cs, sp + 8 * cs, sp + 12 * cs};
      for (int i = 0; i < run; i++) {
        const __m512 w0 = _mm512_loadu_ps(wp);
        const __m512 w1 = NZ > 1 ? _mm512_loadu_ps(wp + 16) : w0;
        for (int j = 0; j < MR; j++) {
          const __m512 s = _mm512_set1_ps(quad[j >> 2][(kd_size)(j & 3) * cs]);
          acc[j][0] = _mm512_fmadd_ps(s, w0, acc[j][0]);
          if (NZ > 1) acc[j][1] = _mm512_fmadd_ps(s, w1, acc[j][1]);
        }
        for (int q = 0; q < 4; q++) quad[q]++;
        wp += Cout;
      }
    }
  }
  for (int j = 0; j < MR; j++)
    for (int v = 0; v < NZ; v++) _mm512_storeu_ps(dstp + j * dstColStep + 16 * v, acc[j][v]);
}

// Filter gradient: MR input channels x 16*NZ output channels, summed over rows x cols pixels and
// added to dw (one add per element, as the 4-wide tile).
INLINE void bf_tile_z(const f32* x, const f32* dy, f32* dw, const int MR, const int NZ,
                      int rows, int cols, int xRowStep, int xColStep, int dyRowStep, int Co) {
  __m512 acc[Z_MR_ONE_BF][2];
  for (int j = 0; j < MR; j++)
    for (int v = 0; v < NZ; v++) acc[j][v] = _mm512_setzero_ps();
  for (int r = 0; r < rows; r++) {
    const f32* xp = x + r * xRowStep;
    const f32* dp = dy + r * dyRowStep;
    for (int q = 0; q < cols; q++) {
      const __m512 d0 = _mm512_loadu_ps(dp);
      const __m512 d1 = NZ > 1 ? _mm512_loadu_ps(dp + 16) : d0;
      for (int j = 0; j < MR; j++) {
        const __m512 s = _mm512_set1_ps(xp[j]);
        acc[j][0] = _mm512_fmadd_ps(s, d0, acc[j][0]);
        if (NZ > 1) acc[j][1] = _mm512_fmadd_ps(s, d1, acc[j][1]);
      }
      xp += xColStep;
      dp += Co;
    }
  }
  for (int j = 0; j < MR; j++)
    for (int v = 0; v < NZ; v++) {
      f32* o = dw + j * Co + 16 * v;
      _mm512_storeu_ps(o, _mm512_add_ps(_mm512_loadu_ps(o), acc[j][v]));
    }
}

// Filter gradient of a 3x3 convolution of ONE input channel (a grayscale stem) into 16·NZ output
// channels, for one image: the 9 taps at once. Tap by tap (bf_tile_z) a tap's sum is one chain of
// dependent multiply-adds; here the 9 chains interleave. Each tap still adds its valid pixels in
// row-major order from zero, and its sum is added to dw once per image, so the bits are those of
// the tap-by-tap loop.
INLINE void bf_taps3x3_z(const f32* x, const f32* dy, f32* dw, const int NZ, int H, int W, int Ho, int Wo, int Co,
                         int sh, int sw, int ph, int pw, int dh, int dwl) {
  __m512 acc[9][2];
  for (int t = 0; t < 9; t++)
    for (int v = 0; v < NZ; v++) acc[t][v] = _mm512_setzero_ps();
  int hoLo[3], hoHi[3], woLo[3], woHi[3];
  for (int k = 0; k < 3; k++) {
    hoLo[k] = imax(0, ceil_div(ph - k * dh, sh));
    hoHi[k] = imin(Ho - 1, floor_div(H - 1 + ph - k * dh, sh));
    woLo[k] = imax(0, ceil_div(pw - k * dwl, sw));
    woHi[k] = imin(Wo - 1, floor_div(W - 1 + pw - k * dwl, sw));
  }
  // columns where every kw is valid
  const int inLo = imax(woLo[0], imax(woLo[1], woLo[2])), inHi = imin(woHi[0], imin(woHi[1], woHi[2]));
  for (int ho = 0; ho < Ho; ho++) {
    const int rowOk[3] = {ho >= hoLo[0] && ho <= hoHi[0], ho >= hoLo[1] && ho <= hoHi[1], ho >= hoLo[2] && ho <= hoHi[2]};
    const f32* xr[3];
    for (int kh = 0; kh < 3; kh++) xr[kh] = rowOk[kh] ? x + (ho * sh - ph + kh * dh) * W : x;
    const f32* d = dy + ho * Wo * Co;
    for (int wo = 0; wo < Wo; wo++, d += Co) {
      const __m512 d0 = _mm512_loadu_ps(d);
      const __m512 d1 = NZ > 1 ? _mm512_loadu_ps(d + 16) : d0;
      const int c0 = wo * sw - pw;
      if (rowOk[0] && rowOk[1] && rowOk[2] && wo >= inLo && wo <= inHi) {
        for (int kh = 0; kh < 3; kh++)
          for (int kw = 0; kw < 3; kw++) {
            const __m512 s = _mm512_set1_ps(xr[kh][c0 + kw * dwl]);
            acc[kh * 3 + kw][0] = _mm512_fmadd_ps(s, d0, acc[kh * 3 + kw][0]);
            if (NZ > 1) acc[kh * 3 + kw][1] = _mm512_fmadd_ps(s, d1, acc[kh * 3 + kw][1]);
          }
      } else {
        for (int kh = 0; kh < 3; kh++) {
          if (!rowOk[kh]) continue;
          for (int kw = 0; kw < 3; kw++) {
            if (wo < woLo[kw] || wo > woHi[kw]) continue;
            const __m512 s = _mm512_set1_ps(xr[kh][c0 + kw * dwl]);
            acc[kh * 3 + kw][0] = _mm512_fmadd_ps(s, d0, acc[kh * 3 + kw][0]);
            if (NZ > 1) acc[kh * 3 + kw][1] = _mm512_fmadd_ps(s, d1, acc[kh * 3 + kw][1]);
          }
        }
      }
    }
  }
  for (int kh = 0; kh < 3; kh++)
    for (int kw = 0; kw < 3; kw++) {
      if (hoHi[kh] < hoLo[kh] || woHi[kw] < woLo[kw]) continue;  // no pixel: the tap-by-tap loop skips it too
      for (int v = 0; v < NZ; v++) {
        f32* o = dw + (kh * 3 + kw) * Co + 16 * v;
        _mm512_storeu_ps(o, _mm512_add_ps(_mm512_loadu_ps(o), acc[kh * 3 + kw][v]));
      }
    }
}

// Dispatch a runtime mr (1..8) to the tile specialised for it.
#define Z_SWITCH(mr, CALL) \
  switch (mr) {            \
    case 8: CALL(8); break; \
    case 7: CALL(7); break; \
    case 6: CALL(6); break; \
    case 5: CALL(5); break; \
    case 4: CALL(4); break; \
    case 3: CALL(3); break; \
    case 2: CALL(2); break; \
    default: CALL(1); break; \
  }

#endif
