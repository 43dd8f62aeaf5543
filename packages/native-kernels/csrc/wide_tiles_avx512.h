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
