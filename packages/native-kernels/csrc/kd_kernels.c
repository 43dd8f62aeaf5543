// kd's training kernels for the tfjs wasm backend's heap. One source, two targets:
//
// - wasm32 + SIMD128 (packages/tfjs-runtime/native/build.sh, embedded in @kd/tfjs-runtime): the
//   module imports the backend's own linear memory, so every pointer below is an offset into the
//   tfjs heap (tensors are read and written in place, no copies). Nothing here uses the
//   linear-memory stack or static data: build.sh checks that the output has neither, because both
//   would live at addresses the backend already owns.
// - x86-64 (this package's addon, scripts/build-addon.mjs): the same code through simd128_x86.h,
//   which maps the SIMD128 intrinsics onto SSE2 (and FMA in the KD_RELAXED_SIMD build); the addon
//   turns heap offsets into pointers (csrc/addon.c).
//
// Scratch space is malloc'ed by the caller. Layouts are TensorFlow's: activations NHWC, filters
// [KH, KW, C, Co].
#ifdef __wasm__
#include <wasm_simd128.h>
#define EXPORT(name) __attribute__((export_name(name)))
#else
#include "simd128_x86.h"
#endif

typedef float f32;
typedef __SIZE_TYPE__ kd_size;  // size_t without the C library (the wasm build is freestanding)
#define INLINE static inline __attribute__((always_inline))
#define NOINLINE static __attribute__((noinline))

// acc += a * b. build.sh compiles this file twice: plain SIMD128 (mul, then add) and, with
// KD_RELAXED_SIMD, relaxed SIMD, whose f32x4.relaxed_madd is one fused multiply-add on CPUs that
// have FMA (the engine picks the relaxed build when it supports it; see src/native/module.ts).
#ifdef KD_RELAXED_SIMD
#define MADD(acc, a, b) ((acc) = __builtin_wasm_relaxed_madd_f32x4((a), (b), (acc)))
#else
#define MADD(acc, a, b) ((acc) = wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b))))
#endif

INLINE int floor_div(int a, int b) { int q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; }
INLINE int ceil_div(int a, int b) { return -floor_div(-a, b); }
INLINE int imax(int a, int b) { return a > b ? a : b; }
INLINE int imin(int a, int b) { return a < b ? a : b; }

// The x86-64 FMA build adds 256-bit tiles (16 output channels) in front of the 4-wide ones.
#ifdef KD_WIDE_TILES
#include "wide_tiles_avx2.h"
#endif
#ifdef KD_AVX512_TILES
#include "wide_tiles_avx512.h"
#endif
// the product's rows with wider tiles (kernel_table.h gemm_rows), where a build has them
#if defined(KD_WIDE_TILES)
#define KD_GEMM_ROWS gemm_rows_avx2
#else
#define KD_GEMM_ROWS 0
#endif

// ---------------------------------------------------------------------------------------------
// Filter gradient of a 2-D convolution:
//   dW[kh,kw,c,co] = sum_{n,ho,wo} x[n, ho*sh - ph + kh*dh, wo*sw - pw + kw*dwl, c] * dy[n,ho,wo,co]
// A GEMM over the pixels (K = N*Ho*Wo) with the im2col matrix left implicit. For each image, tap
// and tile of 4 input channels x 8 output channels, the tile of dW stays in registers while the
// image's valid pixels stream by (the image's x and dy stay in cache across the taps).
// ---------------------------------------------------------------------------------------------

// One register tile: MR input channels x (4*NV) output channels, NV in {1, 2}.
INLINE void bf_tile(const f32* x, const f32* dy, f32* dw, int mr, int nv,
                    int rows, int cols, int xRowStep, int xColStep, int dyRowStep, int Co) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int r = 0; r < rows; r++) {
    const f32* xp = x + r * xRowStep;
    const f32* dp = dy + r * dyRowStep;
    for (int q = 0; q < cols; q++) {
      v128_t d0 = wasm_v128_load(dp);
      v128_t d1 = nv > 1 ? wasm_v128_load(dp + 4) : d0;
      v128_t s0 = wasm_v128_load32_splat(xp);
      MADD(a00, s0, d0);
      if (nv > 1) MADD(a01, s0, d1);
      if (mr > 1) {
        v128_t s1 = wasm_v128_load32_splat(xp + 1);
        MADD(a10, s1, d0);
        if (nv > 1) MADD(a11, s1, d1);
      }
      if (mr > 2) {
        v128_t s2 = wasm_v128_load32_splat(xp + 2);
        MADD(a20, s2, d0);
        if (nv > 1) MADD(a21, s2, d1);
      }
      if (mr > 3) {
        v128_t s3 = wasm_v128_load32_splat(xp + 3);
        MADD(a30, s3, d0);
        if (nv > 1) MADD(a31, s3, d1);
      }
      xp += xColStep;
      dp += Co;
    }
  }
  f32* o = dw;
  wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), a00));
  if (nv > 1) wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), a01));
  if (mr > 1) {
    o += Co;
    wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), a10));
    if (nv > 1) wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), a11));
  }
  if (mr > 2) {
    o += Co;
    wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), a20));
    if (nv > 1) wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), a21));
  }
  if (mr > 3) {
    o += Co;
    wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), a30));
    if (nv > 1) wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), a31));
  }
}

// Output channels co0.. of mr (1..4) input channels.
INLINE void bf_rows(const f32* x, const f32* dy, f32* dw, int mr, int co0,
                    int rows, int cols, int xRowStep, int xColStep, int dyRowStep, int Co) {
  int co = co0;
#ifdef KD_WIDE_TILES
  for (; co + 16 <= Co; co += 16) bf_tile16(x, dy + co, dw + co, mr, rows, cols, xRowStep, xColStep, dyRowStep, Co);
#endif
  for (; co + 8 <= Co; co += 8) bf_tile(x, dy + co, dw + co, mr, 2, rows, cols, xRowStep, xColStep, dyRowStep, Co);
  for (; co + 4 <= Co; co += 4) bf_tile(x, dy + co, dw + co, mr, 1, rows, cols, xRowStep, xColStep, dyRowStep, Co);
  for (; co < Co; co++) {
    for (int i = 0; i < mr; i++) {
      f32 acc = 0;
      for (int r = 0; r < rows; r++) {
        const f32* xp = x + r * xRowStep + i;
        const f32* dp = dy + r * dyRowStep + co;
        for (int q = 0; q < cols; q++) { acc += *xp * *dp; xp += xColStep; dp += Co; }
      }
      dw[i * Co + co] += acc;
    }
  }
}

#ifdef KD_AVX512_TILES
// mr (1..8) input channels: 512-bit tiles over the output channels, the rest as above.
INLINE void bf_rows_z(const f32* x, const f32* dy, f32* dw, int mr,
                      int rows, int cols, int xRowStep, int xColStep, int dyRowStep, int Co) {
  int co = 0;
#define BF_Z2(M) bf_tile_z(x, dy + co, dw + co, M, 2, rows, cols, xRowStep, xColStep, dyRowStep, Co)
#define BF_Z1(M) bf_tile_z(x, dy + co, dw + co, M, 1, rows, cols, xRowStep, xColStep, dyRowStep, Co)
  for (; co + 32 <= Co; co += 32) Z_SWITCH(mr, BF_Z2)
  for (; co + 16 <= Co; co += 16) Z_SWITCH(mr, BF_Z1)
#undef BF_Z2
#undef BF_Z1
  if (co < Co)
    for (int i = 0; i < mr; i += 4)
      bf_rows(x + i, dy, dw + i * Co, imin(4, mr - i), co, rows, cols, xRowStep, xColStep, dyRowStep, Co);
}
#endif

EXPORT("conv2d_backprop_filter")
void conv2d_backprop_filter(const f32* x, const f32* dy, f32* dw,
                            int N, int H, int W, int C, int Ho, int Wo, int Co,
                            int KH, int KW, int sh, int sw, int ph, int pw, int dh, int dwl) {
  const int total = KH * KW * C * Co;
  for (int i = 0; i < total; i++) dw[i] = 0;
  for (int n = 0; n < N; n++) {
    const f32* xn = x + n * H * W * C;
    const f32* dyn = dy + n * Ho * Wo * Co;
#ifdef KD_AVX512_TILES
    if (C == 1 && KH == 3 && KW == 3 && (Co == 16 || Co == 32)) {
      if (Co == 16) bf_taps3x3_z(xn, dyn, dw, 1, H, W, Ho, Wo, Co, sh, sw, ph, pw, dh, dwl);
      else bf_taps3x3_z(xn, dyn, dw, 2, H, W, Ho, Wo, Co, sh, sw, ph, pw, dh, dwl);
      continue;
    }
#endif
    for (int kh = 0; kh < KH; kh++) {
      // rows with 0 <= ho*sh - ph + kh*dh < H
      const int hoLo = imax(0, ceil_div(ph - kh * dh, sh));
      const int hoHi = imin(Ho - 1, floor_div(H - 1 + ph - kh * dh, sh));
      if (hoHi < hoLo) continue;
      for (int kw = 0; kw < KW; kw++) {
        const int woLo = imax(0, ceil_div(pw - kw * dwl, sw));
        const int woHi = imin(Wo - 1, floor_div(W - 1 + pw - kw * dwl, sw));
        if (woHi < woLo) continue;
        const int rows = hoHi - hoLo + 1, cols = woHi - woLo + 1;
        const f32* xs = xn + ((hoLo * sh - ph + kh * dh) * W + (woLo * sw - pw + kw * dwl)) * C;
        const f32* ds = dyn + (hoLo * Wo + woLo) * Co;
        f32* dwt = dw + (kh * KW + kw) * C * Co;
        int c = 0;
#ifdef KD_AVX512_TILES
        if (Co == 16)
          for (; c + Z_MR_ONE_BF <= C; c += Z_MR_ONE_BF)
            bf_tile_z(xs + c, ds, dwt + c * Co, Z_MR_ONE_BF, 1, rows, cols, sh * W * C, sw * C, Wo * Co, Co);
        for (; c < C; c += Z_MR) bf_rows_z(xs + c, ds, dwt + c * Co, imin(Z_MR, C - c), rows, cols, sh * W * C, sw * C, Wo * Co, Co);
#endif
#ifdef KD_FLAT_TILES
        if (Co % 16 == 0)
          for (const int end = 6 * bf_groups_of_6(C); c < end; c += 6)
            bf_flat16_6(xs + c, ds, dwt + c * Co, rows, cols, sh * W * C, sw * C, Wo * Co, Co);
#endif
        for (; c + 4 <= C; c += 4) bf_rows(xs + c, ds, dwt + c * Co, 4, 0, rows, cols, sh * W * C, sw * C, Wo * Co, Co);
        for (; c < C; c++) bf_rows(xs + c, ds, dwt + c * Co, 1, 0, rows, cols, sh * W * C, sw * C, Wo * Co, Co);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Filter gradient of a depthwise convolution (channel multiplier 1, no dilation):
//   dW[kh,kw,c] = sum_{n,ho,wo} x[n, ho*sh - ph + kh, wo*sw - pw + kw, c] * dy[n,ho,wo,c]
// Pixel by pixel (x and dy are read once), each tap's row of dW (KH*KW*C floats: it stays in L1)
// gaining x*dy four channels at a time; the terms of each dW element are added in (n, ho, wo)
// order. tfjs's wasm backend has no such kernel (kd's composed one, a depthwise convolution of the
// batch folded into channels, is 13x slower on FFSD's [128, 7, 7, 128]).
// ---------------------------------------------------------------------------------------------

EXPORT("depthwise_filter_grad")
void depthwise_filter_grad(const f32* x, const f32* dy, f32* dw, int N, int H, int W, int C, int Ho, int Wo,
                           int KH, int KW, int sh, int sw, int ph, int pw) {
  const int total = KH * KW * C;
  for (int i = 0; i < total; i++) dw[i] = 0;
  for (int n = 0; n < N; n++)
    for (int ho = 0; ho < Ho; ho++)
      for (int wo = 0; wo < Wo; wo++) {
        const f32* d = dy + (((kd_size)n * Ho + ho) * Wo + wo) * C;
        for (int kh = 0; kh < KH; kh++) {
          const int h = ho * sh - ph + kh;
          if (h < 0 || h >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            const int w = wo * sw - pw + kw;
            if (w < 0 || w >= W) continue;
            const f32* xs = x + (((kd_size)n * H + h) * W + w) * C;
            f32* acc = dw + (kh * KW + kw) * C;
            int c = 0;
            for (; c + 4 <= C; c += 4) {
              v128_t a = wasm_v128_load(acc + c);
              MADD(a, wasm_v128_load(xs + c), wasm_v128_load(d + c));
              wasm_v128_store(acc + c, a);
            }
            for (; c < C; c++) {  // the same rounding as the vector lanes
              v128_t a = wasm_v128_load32_splat(acc + c);
              MADD(a, wasm_v128_load32_splat(xs + c), wasm_v128_load32_splat(d + c));
              acc[c] = wasm_f32x4_extract_lane(a, 0);
            }
          }
        }
      }
}

// ---------------------------------------------------------------------------------------------
// A "gather" convolution that covers both the forward convolution and its input gradient:
//
//   dst[n,oh,ow,o] = sum_{kh,kw,i} src[n, sh_(oh,kh), sw_(ow,kw), i] * w[kh,kw,i,o]
//   with  sh_(oh,kh) = (oh*Ah + Bh + kh*Dh) / Sh  when that division is exact (else no term),
//
// and the same for columns. src is zero-padded by the caller so that every exact index is inside.
//   forward conv:   src = x padded,  A = stride, B = 0, D = dilation, S = 1, w = filter
//   input gradient: src = dy padded, A = 1, B = pad - (K-1)*dilation (+ dy's padding * stride),
//                   D = dilation, S = stride, w = the filter rotated by 180 degrees with its two
//                   channel axes swapped (rotate_transpose_filter)
// Output columns are taken by phase r = ow mod Sw: within a phase the same taps contribute and
// consecutive columns read src columns Aw apart, so MR columns x 8 channels form one register tile
// and a strided gradient's zeros are never multiplied.
// ---------------------------------------------------------------------------------------------

INLINE void gc_tile(const f32* srcN, const f32* w, f32* dstp, int mr, int nv,
                    int oh, int ow0, int Ws, int Cin, int Cout, int KH, int KW,
                    int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw, int dstColStep) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  const int srcColStep = Aw * Cin;
  // With unit column stride and dilation the taps of one filter row read one contiguous run of
  // KW*Cin source values (and filter rows): one inner loop instead of KW short ones.
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
        v128_t w0 = wasm_v128_load(wp);
        v128_t w1 = nv > 1 ? wasm_v128_load(wp + 4) : w0;
        v128_t s0 = wasm_v128_load32_splat(sp);
        MADD(a00, s0, w0);
        if (nv > 1) MADD(a01, s0, w1);
        if (mr > 1) {
          v128_t s1 = wasm_v128_load32_splat(sp + srcColStep);
          MADD(a10, s1, w0);
          if (nv > 1) MADD(a11, s1, w1);
        }
        if (mr > 2) {
          v128_t s2 = wasm_v128_load32_splat(sp + 2 * srcColStep);
          MADD(a20, s2, w0);
          if (nv > 1) MADD(a21, s2, w1);
        }
        if (mr > 3) {
          v128_t s3 = wasm_v128_load32_splat(sp + 3 * srcColStep);
          MADD(a30, s3, w0);
          if (nv > 1) MADD(a31, s3, w1);
        }
        sp++;
        wp += Cout;
      }
    }
  }
  wasm_v128_store(dstp, a00);
  if (nv > 1) wasm_v128_store(dstp + 4, a01);
  if (mr > 1) { wasm_v128_store(dstp + dstColStep, a10); if (nv > 1) wasm_v128_store(dstp + dstColStep + 4, a11); }
  if (mr > 2) { wasm_v128_store(dstp + 2 * dstColStep, a20); if (nv > 1) wasm_v128_store(dstp + 2 * dstColStep + 4, a21); }
  if (mr > 3) { wasm_v128_store(dstp + 3 * dstColStep, a30); if (nv > 1) wasm_v128_store(dstp + 3 * dstColStep + 4, a31); }
}

// The output channels left over after the 4-wide tiles, one pixel at a time.
INLINE void gc_scalar(const f32* srcN, const f32* w, f32* dstp, int o0,
                      int oh, int ow, int Ws, int Cin, int Cout, int KH, int KW,
                      int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw) {
  for (int o = o0; o < Cout; o++) {
    f32 acc = 0;
    for (int kh = 0; kh < KH; kh++) {
      const int th = oh * Ah + Bh + kh * Dh;
      if (th % Sh != 0) continue;
      for (int kw = 0; kw < KW; kw++) {
        const int tw = ow * Aw + Bw + kw * Dw;
        if (tw % Sw != 0) continue;
        const f32* sp = srcN + ((th / Sh) * Ws + tw / Sw) * Cin;
        const f32* wp = w + (kh * KW + kw) * Cin * Cout + o;
        for (int i = 0; i < Cin; i++) acc += sp[i] * wp[i * Cout];
      }
    }
    dstp[o] = acc;
  }
}

#define GC_ARGS oh, ow0, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw, Sw * Cout

// Output channels o0.. of mr (1..4) output columns.
INLINE void gc_columns(const f32* srcN, const f32* w, f32* dstp, int mr, int o0,
                       int oh, int ow0, int Ws, int Cin, int Cout, int KH, int KW,
                       int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw) {
  int o = o0;
#ifdef KD_WIDE_TILES
  for (; o + 16 <= Cout; o += 16) gc_tile16(srcN, w + o, dstp + o, mr, GC_ARGS);
#endif
  for (; o + 8 <= Cout; o += 8) gc_tile(srcN, w + o, dstp + o, mr, 2, GC_ARGS);
  for (; o + 4 <= Cout; o += 4) gc_tile(srcN, w + o, dstp + o, mr, 1, GC_ARGS);
  if (o < Cout)
    for (int j = 0; j < mr; j++)
      gc_scalar(srcN, w, dstp + j * Sw * Cout, o, oh, ow0 + j * Sw, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
}

#ifdef KD_AVX512_TILES
// mr (1..8) output columns: 512-bit tiles over the output channels, the rest as above.
INLINE void gc_columns_z(const f32* srcN, const f32* w, f32* dstp, int mr,
                         int oh, int ow0, int Ws, int Cin, int Cout, int KH, int KW,
                         int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw) {
  int o = 0;
#define GC_Z2(M) gc_tile_z(srcN, w + o, dstp + o, M, 2, GC_ARGS)
#define GC_Z1(M) gc_tile_z(srcN, w + o, dstp + o, M, 1, GC_ARGS)
  for (; o + 32 <= Cout; o += 32) Z_SWITCH(mr, GC_Z2)
  for (; o + 16 <= Cout; o += 16) Z_SWITCH(mr, GC_Z1)
#undef GC_Z2
#undef GC_Z1
  if (o < Cout)
    for (int j = 0; j < mr; j += 4)
      gc_columns(srcN, w, dstp + j * Sw * Cout, imin(4, mr - j), o, oh, ow0 + j * Sw, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh,
                 Bw, Dh, Dw, Sh, Sw);
}
#endif

EXPORT("gather_conv")
void gather_conv(const f32* src, const f32* w, f32* dst,
                 int N, int Hs, int Ws, int Cin, int Ho, int Wo, int Cout, int KH, int KW,
                 int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw) {
  for (int n = 0; n < N; n++) {
    const f32* srcN = src + n * Hs * Ws * Cin;
#ifdef KD_FLAT_TILES
    if (gather_conv_flat_fits(Cout, KH, KW, Ah, Aw, Sh, Sw)) {
      gather_conv_flat(srcN, w, dst + (kd_size)n * Ho * Wo * Cout, Ws, Cin, Ho, Wo, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw,
                       Sh, Sw);
      continue;
    }
#endif
    for (int oh = 0; oh < Ho; oh++) {
      f32* dstRow = dst + (n * Ho + oh) * Wo * Cout;
      for (int r = 0; r < Sw && r < Wo; r++) {
        const int count = (Wo - r + Sw - 1) / Sw;  // columns ow = r + m*Sw
        int m = 0;
#ifdef KD_AVX512_TILES
        if (Cout == 16)
          for (; m + Z_MR_ONE <= count; m += Z_MR_ONE)
            gc_tile_z(srcN, w, dstRow + (r + m * Sw) * Cout, Z_MR_ONE, 1, oh, r + m * Sw, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh,
                      Bw, Dh, Dw, Sh, Sw, Sw * Cout);
        for (; m < count; m += Z_MR)
          gc_columns_z(srcN, w, dstRow + (r + m * Sw) * Cout, imin(Z_MR, count - m), oh, r + m * Sw, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
#endif
        for (; m + 4 <= count; m += 4)
          gc_columns(srcN, w, dstRow + (r + m * Sw) * Cout, 4, 0, oh, r + m * Sw, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
        const int left = count - m;
        f32* dstp = dstRow + (r + m * Sw) * Cout;
        const int ow0 = r + m * Sw;
        if (left == 3) gc_columns(srcN, w, dstp, 3, 0, oh, ow0, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
        else if (left == 2) gc_columns(srcN, w, dstp, 2, 0, oh, ow0, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
        else if (left == 1) gc_columns(srcN, w, dstp, 1, 0, oh, ow0, Ws, Cin, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw);
      }
    }
  }
}

// dst[n, top + h, left + w, c] = src[n, h, w, c], zeros elsewhere (dst is [N, Hp, Wp, C]).
EXPORT("pad_nhwc")
void pad_nhwc(const f32* src, f32* dst, int N, int H, int W, int C, int Hp, int Wp, int top, int left) {
  const int total = N * Hp * Wp * C;
  for (int i = 0; i < total; i++) dst[i] = 0;
  for (int n = 0; n < N; n++)
    for (int h = 0; h < H; h++) {
      const f32* s = src + (n * H + h) * W * C;
      f32* d = dst + ((n * Hp + top + h) * Wp + left) * C;
      for (int i = 0; i < W * C; i++) d[i] = s[i];
    }
}

// wt[KH-1-kh, KW-1-kw, co, c] = w[kh, kw, c, co]: the filter rotated by 180 degrees with its channel
// axes swapped, for the input gradient (rotated so that its taps run forward, see gather_conv).
EXPORT("rotate_transpose_filter")
void rotate_transpose_filter(const f32* w, f32* wt, int taps, int C, int Co) {
  for (int t = 0; t < taps; t++)
    for (int c = 0; c < C; c++)
      for (int co = 0; co < Co; co++) wt[((taps - 1 - t) * Co + co) * C + c] = w[(t * C + c) * Co + co];
}

// ---------------------------------------------------------------------------------------------
// Training-mode batch normalisation over the rows of an [M, C] matrix (NHWC flattened), with the
// per-channel sums accumulated in float32 over chunks of rows and in float64 across chunks.
//   forward:  mean, biased var, y = (x - mean) * r * gamma + beta,  r = 1/sqrt(var + eps)
//   backward: dbeta = sum dy, dgamma = sum dy * xhat,
//             dx = gamma * r * (dy - dbeta/M - xhat * dgamma/M)
// ---------------------------------------------------------------------------------------------

#define BN_CHUNK 256

// Two per-channel sums of the rows of each chunk of BN_CHUNK rows, in float32:
//   pair 0 (statistics):  s1 = sum (a - ctr),  s2 = sum (a - ctr)^2      (ctr: a shift, e.g. row 0)
//   pair 1 (gradients):   s1 = sum b,          s2 = sum b * (a - ctr)
// for the chunks k0 <= k < k1, into part[2(k-k0)C + c] (s1) and part[(2(k-k0)+1)C + c] (s2). The
// chunks are independent, so the addon computes them on its threads; the float64 totals add the
// chunks' sums in chunk order (bn_reduce), whoever computed them.
EXPORT("bn_chunk_sums")
void bn_chunk_sums(const f32* a, const f32* b, const f32* center, f32* part, int k0, int k1, int M, int C, int pair) {
  for (int k = k0; k < k1; k++) {
    const int m0 = k * BN_CHUNK, m1 = imin(M, m0 + BN_CHUNK);
    f32* p1 = part + (kd_size)(2 * (k - k0)) * C;
    f32* p2 = p1 + C;
    int c0 = 0;
    for (; c0 + 4 <= C; c0 += 4) {
      const v128_t ctr = wasm_v128_load(center + c0);
      v128_t acc1 = wasm_f32x4_splat(0), acc2 = acc1;
      for (int m = m0; m < m1; m++) {
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(a + m * C + c0), ctr);
        if (pair == 0) {
          acc1 = wasm_f32x4_add(acc1, d);
          MADD(acc2, d, d);
        } else {
          const v128_t g = wasm_v128_load(b + m * C + c0);
          acc1 = wasm_f32x4_add(acc1, g);
          MADD(acc2, g, d);
        }
      }
      wasm_v128_store(p1 + c0, acc1);
      wasm_v128_store(p2 + c0, acc2);
    }
    for (; c0 < C; c0++) {
      const f32 ctr = center[c0];
      f32 acc1 = 0, acc2 = 0;
      for (int m = m0; m < m1; m++) {
        const f32 d = a[m * C + c0] - ctr;
        if (pair == 0) { acc1 += d; acc2 += d * d; }
        else { const f32 g = b[m * C + c0]; acc1 += g; acc2 += g * d; }
      }
      p1[c0] = acc1;
      p2[c0] = acc2;
    }
  }
}

// s1 += the chunks' s1 sums, s2 += their s2 sums, chunk after chunk (part as bn_chunk_sums writes it).
INLINE void bn_reduce(const f32* part, double* s1, double* s2, int chunks, int C) {
  for (int k = 0; k < chunks; k++) {
    const f32* p1 = part + (kd_size)(2 * k) * C;
    const f32* p2 = p1 + C;
    for (int c = 0; c < C; c++) {
      s1[c] += p1[c];
      s2[c] += p2[c];
    }
  }
}

// s1, s2 over all rows, one chunk at a time through part (2*C floats).
INLINE void bn_col_sums2(const f32* a, const f32* b, const f32* center, double* s1, double* s2, f32* part, int M, int C,
                         int pair) {
  for (int c = 0; c < C; c++) { s1[c] = 0; s2[c] = 0; }
  const int chunks = (M + BN_CHUNK - 1) / BN_CHUNK;
  for (int k = 0; k < chunks; k++) {
    bn_chunk_sums(a, b, center, part, k, k + 1, M, C, pair);
    bn_reduce(part, s1, s2, 1, C);
  }
}

// y[m, c] = x[m, c] * scale[c] + shift[c] for rows [m0, m1)
EXPORT("bn_affine_rows")
void bn_affine_rows(const f32* x, const f32* scale, const f32* shift, f32* y, int m0, int m1, int C, int relu) {
  for (int m = m0; m < m1; m++) {
    const f32* xr = x + m * C;
    f32* yr = y + m * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(scale + c)),
                                      wasm_v128_load(shift + c));
      // relu: the sign bit clears the lane, as the relu kernel below
      wasm_v128_store(yr + c, relu ? wasm_v128_andnot(v, wasm_i32x4_shr(v, 31)) : v);
    }
    for (; c < C; c++) {
      const f32 v = xr[c] * scale[c] + shift[c];
      union { f32 f; int i; } u = {v};
      yr[c] = relu && u.i < 0 ? 0.0f : v;
    }
  }
}

// mean, var and the affine's scale and shift from the shifted sums (centre = row 0 of x)
EXPORT("bn_forward_stats")
void bn_forward_stats(const f32* x, const f32* gamma, const f32* beta, const double* s1, const double* s2, f32* mean,
                      f32* var, f32* scale, f32* shift, int M, int C, f32 eps) {
  for (int c = 0; c < C; c++) {
    const double dm = s1[c] / M;
    const double v = s2[c] / M - dm * dm;
    mean[c] = (f32)(x[c] + dm);
    var[c] = (f32)(v > 0 ? v : 0);
    const f32 r = 1.0f / __builtin_sqrtf(var[c] + eps);
    scale[c] = gamma[c] * r;
    shift[c] = beta[c] - mean[c] * scale[c];
  }
}

// scratch: 2*C doubles then 2*C floats. Statistics in one pass, shifted by the first row (so the
// E[d^2] - E[d]^2 form does not cancel catastrophically when |mean| >> std).
EXPORT("bn_train_forward")
// relu 1: y = relu(batch norm), the ReLU that follows most batch norms, without a pass of its own.
void bn_train_forward(const f32* x, const f32* gamma, const f32* beta, f32* y, f32* mean, f32* var,
                      int M, int C, f32 eps, int relu, double* scratch) {
  double* s1 = scratch;
  double* s2 = scratch + C;
  f32* scale = (f32*)(scratch + 2 * C);
  f32* shift = scale + C;
  bn_col_sums2(x, 0, x, s1, s2, scale, M, C, 0);  // centre = row 0; scale/shift hold each chunk's sums
  bn_forward_stats(x, gamma, beta, s1, s2, mean, var, scale, shift, M, C, eps);
  bn_affine_rows(x, scale, shift, y, 0, M, C, relu);
}

// dx = dy * k1[c] + x * k2[c] + k3[c] for rows [m0, m1): the backward's closed form regrouped per channel.
EXPORT("bn_dx_rows")
void bn_dx_rows(const f32* dy, const f32* x, const f32* k1, const f32* k2, const f32* k3, f32* dx, int m0, int m1, int C) {
  for (int m = m0; m < m1; m++) {
    const f32* dr = dy + m * C;
    const f32* xr = x + m * C;
    f32* o = dx + m * C;
    int c = 0;
    for (; c + 4 <= C; c += 4)
      wasm_v128_store(o + c, wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(dr + c), wasm_v128_load(k1 + c)),
                                                          wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(k2 + c))),
                                            wasm_v128_load(k3 + c)));
    for (; c < C; c++) o[c] = dr[c] * k1[c] + xr[c] * k2[c] + k3[c];
  }
}

// dbeta, dgamma and the coefficients of dx from the sums of dy and dy * (x - mean)
EXPORT("bn_backward_coefs")
void bn_backward_coefs(const double* s1, const double* s2, const f32* mean, const f32* var, const f32* gamma,
                       f32* dgamma, f32* dbeta, f32* k1, f32* k2, f32* k3, int M, int C, f32 eps) {
  for (int c = 0; c < C; c++) {
    const f32 r = 1.0f / __builtin_sqrtf(var[c] + eps);
    const f32 db = (f32)s1[c];
    const f32 dg = (f32)(s2[c] * r);  // sum dy * xhat
    dbeta[c] = db;
    dgamma[c] = dg;
    // dx = g r (dy - db/M - (x - mean) r dg/M)
    const f32 gr = gamma[c] * r;
    k1[c] = gr;
    k2[c] = -gr * r * dg / (f32)M;
    k3[c] = -gr * db / (f32)M + gr * r * dg / (f32)M * mean[c];
  }
}

// scratch: 2*C doubles then 3*C floats
EXPORT("bn_train_backward")
void bn_train_backward(const f32* dy, const f32* x, const f32* mean, const f32* var, const f32* gamma,
                       f32* dx, f32* dgamma, f32* dbeta, int M, int C, f32 eps, double* scratch) {
  double* s1 = scratch;
  double* s2 = scratch + C;
  f32* k1 = (f32*)(scratch + 2 * C);
  f32* k2 = k1 + C;
  f32* k3 = k2 + C;
  bn_col_sums2(x, dy, mean, s1, s2, k1, M, C, 1);  // k1/k2 hold each chunk's sums
  bn_backward_coefs(s1, s2, mean, var, gamma, dgamma, dbeta, k1, k2, k3, M, C, eps);
  bn_dx_rows(dy, x, k1, k2, k3, dx, 0, M, C);
}

// ---------------------------------------------------------------------------------------------
// Layer norm over the last axis of x viewed as [R, C] (PyTorch nn.LayerNorm: biased variance):
//   forward:  mean_r, rstd_r = 1/sqrt(var_r + eps), y = (x - mean) * rstd * gamma + beta
//   backward: xhat = (x - mean) * rstd, g = dy * gamma,
//             dx = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat)),
//             dgamma = sum_r dy * xhat, dbeta = sum_r dy
// Two passes per row for the statistics (mean, then centred squares), so no cancellation.
// ---------------------------------------------------------------------------------------------

INLINE f32 hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// The forward pass takes rows four at a time so that their sums' additions overlap (one row's sum is
// a chain of dependent additions); each row's operations and their order are those of the row
// alone (the remainder rows), so the bits do not depend on the grouping. Written out for four named
// rows: the wasm build must keep everything in locals (no linear-memory stack).

// mean and 1/sqrt(var + eps) of one row: the reference order
INLINE void ln_row_stats(const f32* xr, int C, f32 eps, f32* mu, f32* rs) {
  const int C4 = C & ~3;
  v128_t acc = wasm_f32x4_splat(0);
  int c = 0;
  for (; c < C4; c += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(xr + c));
  f32 sum = hsum(acc);
  for (; c < C; c++) sum += xr[c];
  const f32 m = sum / (f32)C;
  const v128_t mv = wasm_f32x4_splat(m);
  acc = wasm_f32x4_splat(0);
  for (c = 0; c < C4; c += 4) {
    const v128_t d = wasm_f32x4_sub(wasm_v128_load(xr + c), mv);
    MADD(acc, d, d);
  }
  f32 sq = hsum(acc);
  for (; c < C; c++) sq += (xr[c] - m) * (xr[c] - m);
  *mu = m;
  *rs = 1.0f / __builtin_sqrtf(sq / (f32)C + eps);
}

// the same for rows x0..x3 (C a multiple of 4: no scalar tails), into mu[0..3], rs[0..3]
INLINE void ln_stats4(const f32* x0, const f32* x1, const f32* x2, const f32* x3, int C, f32 eps, f32* mu, f32* rs) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (int c = 0; c < C; c += 4) {
    a0 = wasm_f32x4_add(a0, wasm_v128_load(x0 + c));
    a1 = wasm_f32x4_add(a1, wasm_v128_load(x1 + c));
    a2 = wasm_f32x4_add(a2, wasm_v128_load(x2 + c));
    a3 = wasm_f32x4_add(a3, wasm_v128_load(x3 + c));
  }
  const f32 m0 = hsum(a0) / (f32)C, m1 = hsum(a1) / (f32)C, m2 = hsum(a2) / (f32)C, m3 = hsum(a3) / (f32)C;
  const v128_t v0 = wasm_f32x4_splat(m0), v1 = wasm_f32x4_splat(m1), v2 = wasm_f32x4_splat(m2),
               v3 = wasm_f32x4_splat(m3);
  a0 = a1 = a2 = a3 = wasm_f32x4_splat(0);
  for (int c = 0; c < C; c += 4) {
    const v128_t d0 = wasm_f32x4_sub(wasm_v128_load(x0 + c), v0), d1 = wasm_f32x4_sub(wasm_v128_load(x1 + c), v1);
    const v128_t d2 = wasm_f32x4_sub(wasm_v128_load(x2 + c), v2), d3 = wasm_f32x4_sub(wasm_v128_load(x3 + c), v3);
    MADD(a0, d0, d0);
    MADD(a1, d1, d1);
    MADD(a2, d2, d2);
    MADD(a3, d3, d3);
  }
  mu[0] = m0;
  mu[1] = m1;
  mu[2] = m2;
  mu[3] = m3;
  rs[0] = 1.0f / __builtin_sqrtf(hsum(a0) / (f32)C + eps);
  rs[1] = 1.0f / __builtin_sqrtf(hsum(a1) / (f32)C + eps);
  rs[2] = 1.0f / __builtin_sqrtf(hsum(a2) / (f32)C + eps);
  rs[3] = 1.0f / __builtin_sqrtf(hsum(a3) / (f32)C + eps);
}

INLINE void ln_row_out(const f32* xr, f32* yr, const f32* gamma, const f32* beta, int C, f32 mu, f32 rs) {
  const int C4 = C & ~3;
  const v128_t m = wasm_f32x4_splat(mu), vr = wasm_f32x4_splat(rs);
  int c = 0;
  for (; c < C4; c += 4) {
    const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + c), m), vr);
    wasm_v128_store(yr + c, wasm_f32x4_add(wasm_f32x4_mul(xh, wasm_v128_load(gamma + c)), wasm_v128_load(beta + c)));
  }
  for (; c < C; c++) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
}

EXPORT("ln_forward")
void ln_forward(const f32* x, const f32* gamma, const f32* beta, f32* y, f32* mean, f32* rstd, int R, int C,
                f32 eps) {
  int r = 0;
  if ((C & 3) == 0)
    for (; r + 4 <= R; r += 4) {
      const f32* xr = x + (kd_size)r * C;
      ln_stats4(xr, xr + C, xr + 2 * C, xr + 3 * C, C, eps, mean + r, rstd + r);
      for (int i = 0; i < 4; i++)
        ln_row_out(xr + (kd_size)i * C, y + (kd_size)(r + i) * C, gamma, beta, C, mean[r + i], rstd[r + i]);
    }
  for (; r < R; r++) {
    ln_row_stats(x + (kd_size)r * C, C, eps, mean + r, rstd + r);
    ln_row_out(x + (kd_size)r * C, y + (kd_size)r * C, gamma, beta, C, mean[r], rstd[r]);
  }
}

// dx of one row from its sums a = mean_c(g), b = mean_c(g * xhat)
INLINE void ln_row_dx(const f32* xr, const f32* dr, const f32* gamma, f32* o, int C, f32 mu, f32 rs, f32 a, f32 b) {
  const int C4 = C & ~3;
  const v128_t m = wasm_f32x4_splat(mu), vr = wasm_f32x4_splat(rs), va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b);
  int c = 0;
  for (; c < C4; c += 4) {
    const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + c), m), vr);
    const v128_t g = wasm_f32x4_mul(wasm_v128_load(dr + c), wasm_v128_load(gamma + c));
    wasm_v128_store(o + c, wasm_f32x4_mul(vr, wasm_f32x4_sub(wasm_f32x4_sub(g, va), wasm_f32x4_mul(xh, vb))));
  }
  for (; c < C; c++) o[c] = rs * (dr[c] * gamma[c] - a - (xr[c] - mu) * rs * b);
}

// one row: its sums, its share of dgamma and dbeta (added after the rows before it), its dx
INLINE void ln_row_backward(const f32* xr, const f32* dr, const f32* gamma, f32* o, f32* dgamma, f32* dbeta, int C,
                            f32 mu, f32 rs) {
  const int C4 = C & ~3;
  const v128_t m = wasm_f32x4_splat(mu), vr = wasm_f32x4_splat(rs);
  v128_t sg = wasm_f32x4_splat(0), sgx = sg;
  int c = 0;
  for (; c < C4; c += 4) {
    const v128_t d = wasm_v128_load(dr + c);
    const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + c), m), vr);
    const v128_t g = wasm_f32x4_mul(d, wasm_v128_load(gamma + c));
    sg = wasm_f32x4_add(sg, g);
    MADD(sgx, g, xh);
    wasm_v128_store(dbeta + c, wasm_f32x4_add(wasm_v128_load(dbeta + c), d));
    v128_t dg = wasm_v128_load(dgamma + c);
    MADD(dg, d, xh);
    wasm_v128_store(dgamma + c, dg);
  }
  f32 a = hsum(sg), b = hsum(sgx);
  for (; c < C; c++) {
    const f32 xh = (xr[c] - mu) * rs;
    const f32 g = dr[c] * gamma[c];
    a += g;
    b += g * xh;
    dbeta[c] += dr[c];
    dgamma[c] += dr[c] * xh;
  }
  ln_row_dx(xr, dr, gamma, o, C, mu, rs, a / (f32)C, b / (f32)C);
}

EXPORT("ln_backward")
void ln_backward(const f32* dy, const f32* x, const f32* mean, const f32* rstd, const f32* gamma, f32* dx,
                 f32* dgamma, f32* dbeta, int R, int C) {
  for (int c = 0; c < C; c++) dgamma[c] = dbeta[c] = 0;
  // row by row: four rows at a time need more registers than 128-bit SIMD has, and were slower
  for (int r = 0; r < R; r++)
    ln_row_backward(x + (kd_size)r * C, dy + (kd_size)r * C, gamma, dx + (kd_size)r * C, dgamma, dbeta, C, mean[r],
                    rstd[r]);
}

// ---------------------------------------------------------------------------------------------
// Batched matrix product C[b] = op(A[b]) * op(B[b]) with op = optional transpose, row-major.
// Blocks of KC rows of op(B) are packed into panels of 8 columns and blocks of op(A) into panels of
// MM_MR rows (so transposes cost only the packing), then an MM_MR x 8 register tile runs over each
// block. Batch strides of 0 broadcast an operand. scratch: KC*(N rounded up to 8) + KC*MM_MR + 40 floats.
// ---------------------------------------------------------------------------------------------

#define MM_KC 256
#if defined(KD_WIDE_TILES)
_Static_assert(MM_KC == 256, "gemm_rows_avx2 (wide_tiles_avx2.h) blocks k by 256, as batch_matmul");
#endif

// One k step of one row of the tile: c_i0..1 += ap[i] * (b0, b1).
#define MM_ROW(i)                                           \
  {                                                         \
    const v128_t s = wasm_v128_load32_splat(ap + (i));      \
    MADD(c##i##0, s, b0);                                   \
    MADD(c##i##1, s, b1);                                   \
  }
#define MM_STORE(i)                                                              \
  {                                                                              \
    f32* r = c + (i) * ldc;                                                      \
    wasm_v128_store(r, wasm_f32x4_add(wasm_v128_load(r), c##i##0));              \
    wasm_v128_store(r + 4, wasm_f32x4_add(wasm_v128_load(r + 4), c##i##1));      \
  }

#ifdef KD_RELAXED_SIMD
// With FMA, 10 accumulators cover its latency (5 cycles, 2 per cycle); 8 would cap the tile at 80 %
// of peak. Kept out of line: inlined into the loops below, the engine's register allocator spills it.
#define MM_MR 5
NOINLINE void mm_tile(const f32* ap, const f32* bp, int kc, f32* c, int ldc) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
         c31 = c00, c40 = c00, c41 = c00;
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    MM_ROW(0) MM_ROW(1) MM_ROW(2) MM_ROW(3) MM_ROW(4)
    bp += 8;
    ap += MM_MR;
  }
  MM_STORE(0) MM_STORE(1) MM_STORE(2) MM_STORE(3) MM_STORE(4)
}
#else
#define MM_MR 4
INLINE void mm_tile(const f32* ap, const f32* bp, int kc, f32* c, int ldc) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
         c31 = c00;
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    MM_ROW(0) MM_ROW(1) MM_ROW(2) MM_ROW(3)
    bp += 8;
    ap += MM_MR;
  }
  MM_STORE(0) MM_STORE(1) MM_STORE(2) MM_STORE(3)
}
#endif

// Bp[panel][k][8] from op(B) rows k0..k0+kc, columns padded with zeros to a multiple of 8.
INLINE void mm_pack_b(const f32* B, f32* Bp, int k0, int kc, int N, int K, int transB) {
  const int panels = (N + 7) / 8;
  for (int p = 0; p < panels; p++) {
    f32* dst = Bp + p * kc * 8;
    const int n0 = p * 8;
    const int nn = imin(8, N - n0);
    for (int k = 0; k < kc; k++) {
      for (int j = 0; j < 8; j++) {
        f32 v = 0;
        if (j < nn) v = transB ? B[(n0 + j) * K + k0 + k] : B[(k0 + k) * N + n0 + j];
        dst[k * 8 + j] = v;
      }
    }
  }
}

// Ap[k][MM_MR] from op(A) rows m0..m0+MM_MR (zero-padded), columns k0..k0+kc.
INLINE void mm_pack_a(const f32* A, f32* Ap, int m0, int mm, int k0, int kc, int M, int K, int transA) {
  for (int k = 0; k < kc; k++)
    for (int i = 0; i < MM_MR; i++)
      Ap[k * MM_MR + i] = i < mm ? (transA ? A[(k0 + k) * M + m0 + i] : A[(m0 + i) * K + k0 + k]) : 0;
}

EXPORT("batch_matmul")
void batch_matmul(const f32* A, const f32* B, f32* C, int batch, int M, int N, int K,
                  int strideA, int strideB, int transA, int transB, f32* scratch) {
  const int panels = (N + 7) / 8;
  f32* Bp = scratch;
  f32* Ap = Bp + MM_KC * panels * 8;
  f32* tile = Ap + MM_KC * MM_MR;
  for (int b = 0; b < batch; b++) {
    const f32* Ab = A + b * strideA;
    const f32* Bb = B + b * strideB;
    f32* Cb = C + b * M * N;
    for (int i = 0; i < M * N; i++) Cb[i] = 0;
    for (int k0 = 0; k0 < K; k0 += MM_KC) {
      const int kc = imin(MM_KC, K - k0);
      mm_pack_b(Bb, Bp, k0, kc, N, K, transB);
      for (int m0 = 0; m0 < M; m0 += MM_MR) {
        const int mm = imin(MM_MR, M - m0);
        mm_pack_a(Ab, Ap, m0, mm, k0, kc, M, K, transA);
        for (int p = 0; p < panels; p++) {
          const int n0 = p * 8;
          const int nn = imin(8, N - n0);
          if (mm == MM_MR && nn == 8) {
            mm_tile(Ap, Bp + p * kc * 8, kc, Cb + m0 * N + n0, N);
          } else {
            for (int i = 0; i < MM_MR * 8; i++) tile[i] = 0;
            mm_tile(Ap, Bp + p * kc * 8, kc, tile, 8);
            for (int i = 0; i < mm; i++)
              for (int j = 0; j < nn; j++) Cb[(m0 + i) * N + n0 + j] += tile[i * 8 + j];
          }
        }
      }
    }
  }
}

// out[c] = sum_r x[r, c] for x of shape [R, C]: a reduction over leading axes, rows streamed once.
EXPORT("sum_rows")
void sum_rows(const f32* x, f32* out, int R, int C) {
  for (int c = 0; c < C; c++) out[c] = 0;
  for (int r0 = 0; r0 < R; r0 += BN_CHUNK) {
    const int r1 = imin(R, r0 + BN_CHUNK);
    int c = 0;
    for (; c + 16 <= C; c += 16) {
      v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (int r = r0; r < r1; r++) {
        const f32* p = x + r * C + c;
        s0 = wasm_f32x4_add(s0, wasm_v128_load(p));
        s1 = wasm_f32x4_add(s1, wasm_v128_load(p + 4));
        s2 = wasm_f32x4_add(s2, wasm_v128_load(p + 8));
        s3 = wasm_f32x4_add(s3, wasm_v128_load(p + 12));
      }
      wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), s0));
      wasm_v128_store(out + c + 4, wasm_f32x4_add(wasm_v128_load(out + c + 4), s1));
      wasm_v128_store(out + c + 8, wasm_f32x4_add(wasm_v128_load(out + c + 8), s2));
      wasm_v128_store(out + c + 12, wasm_f32x4_add(wasm_v128_load(out + c + 12), s3));
    }
    for (; c + 4 <= C; c += 4) {
      v128_t s0 = wasm_f32x4_splat(0);
      for (int r = r0; r < r1; r++) s0 = wasm_f32x4_add(s0, wasm_v128_load(x + r * C + c));
      wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), s0));
    }
    for (; c < C; c++) {
      f32 s = 0;
      for (int r = r0; r < r1; r++) s += x[r * C + c];
      out[c] += s;
    }
  }
}

// out[o, c] = (sum_r x[o, r, c]) / divisor for x of shape [O, R, C]: a reduction over contiguous
// middle axes (a global average pool over H, W of NHWC with divisor H·W; a sum with divisor 1), each
// outer slice summed as sum_rows sums its rows. The stock wasm kernels transpose first.
EXPORT("sum_middle")
void sum_middle(const f32* x, f32* out, int O, int R, int C, f32 divisor) {
  for (int o = 0; o < O; o++) {
    f32* row = out + o * C;
    sum_rows(x + o * R * C, row, R, C);
    if (divisor != 1)
      for (int c = 0; c < C; c++) row[c] /= divisor;
  }
}

// out[r] = (sum_c x[r, c]) / divisor for rows [r0, r1) of x [R, C]: a reduction over the trailing
// axes (an attention map's channel mean, a row norm's sum of squares; a sum with divisor 1). As the
// stock wasm Sum and Mean: one chain of additions per row, from +0 in order, then the division.
// Four rows at a time, so that four chains overlap; each row is still summed in its own order.
EXPORT("sum_last")
void sum_last(const f32* x, f32* out, int r0, int r1, int C, f32 divisor) {
  int r = r0;
  for (; r + 4 <= r1; r += 4) {
    const f32* a = x + (kd_size)r * C;
    const f32 *b = a + C, *c = b + C, *d = c + C;
    f32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int k = 0; k < C; k++) {
      s0 += a[k];
      s1 += b[k];
      s2 += c[k];
      s3 += d[k];
    }
    if (divisor != 1) {
      s0 /= divisor;
      s1 /= divisor;
      s2 /= divisor;
      s3 /= divisor;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < r1; r++) {
    const f32* a = x + (kd_size)r * C;
    f32 s = 0;
    for (int k = 0; k < C; k++) s += a[k];
    out[r] = divisor != 1 ? s / divisor : s;
  }
}

// ---------------------------------------------------------------------------------------------
// Max pool: each output is the maximum of its window, windows clipped at the border (padding never
// wins, as TensorFlow.js's cpu kernel). The window is scanned in row-major order and a value
// replaces the running maximum only when strictly greater — the order and test of max_pool_grad
// below, so the gradient goes to the value the forward pass returned. Exact: no rounding, so any
// split over images gives the same bits.
// ---------------------------------------------------------------------------------------------
EXPORT("max_pool")
void max_pool(const f32* x, f32* y, int N, int H, int W, int C, int Ho, int Wo, int KH, int KW, int sh, int sw,
              int pt, int pl) {
  for (int n = 0; n < N; n++) {
    const f32* xn = x + n * H * W * C;
    for (int oh = 0; oh < Ho; oh++) {
      const int ih0 = oh * sh - pt;
      const int khLo = imax(0, -ih0), khHi = imin(KH, H - ih0);
      for (int ow = 0; ow < Wo; ow++) {
        const int iw0 = ow * sw - pl;
        const int kwLo = imax(0, -iw0), kwHi = imin(KW, W - iw0);
        f32* yp = y + ((n * Ho + oh) * Wo + ow) * C;
        if (khLo >= khHi || kwLo >= kwHi) {
          for (int c = 0; c < C; c++) yp[c] = -__builtin_inff();
          continue;
        }
        const f32* first = xn + ((ih0 + khLo) * W + iw0 + kwLo) * C;
        int c = 0;
        for (; c + 16 <= C; c += 16) {
          v128_t b0 = wasm_v128_load(first + c), b1 = wasm_v128_load(first + c + 4);
          v128_t b2 = wasm_v128_load(first + c + 8), b3 = wasm_v128_load(first + c + 12);
          for (int kh = khLo; kh < khHi; kh++)
            for (int kw = kwLo; kw < kwHi; kw++) {
              const f32* p = xn + ((ih0 + kh) * W + iw0 + kw) * C + c;
              const v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4);
              const v128_t v2 = wasm_v128_load(p + 8), v3 = wasm_v128_load(p + 12);
              b0 = wasm_v128_bitselect(v0, b0, wasm_f32x4_gt(v0, b0));
              b1 = wasm_v128_bitselect(v1, b1, wasm_f32x4_gt(v1, b1));
              b2 = wasm_v128_bitselect(v2, b2, wasm_f32x4_gt(v2, b2));
              b3 = wasm_v128_bitselect(v3, b3, wasm_f32x4_gt(v3, b3));
            }
          wasm_v128_store(yp + c, b0);
          wasm_v128_store(yp + c + 4, b1);
          wasm_v128_store(yp + c + 8, b2);
          wasm_v128_store(yp + c + 12, b3);
        }
        for (; c + 4 <= C; c += 4) {
          v128_t b = wasm_v128_load(first + c);
          for (int kh = khLo; kh < khHi; kh++)
            for (int kw = kwLo; kw < kwHi; kw++) {
              const v128_t v = wasm_v128_load(xn + ((ih0 + kh) * W + iw0 + kw) * C + c);
              b = wasm_v128_bitselect(v, b, wasm_f32x4_gt(v, b));
            }
          wasm_v128_store(yp + c, b);
        }
        for (; c < C; c++) {
          f32 b = first[c];
          for (int kh = khLo; kh < khHi; kh++)
            for (int kw = kwLo; kw < kwHi; kw++) {
              const f32 v = xn[((ih0 + kh) * W + iw0 + kw) * C + c];
              if (v > b) b = v;
            }
          yp[c] = b;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Max-pool gradient: each output's gradient goes to the first maximum of its window (row-major
// order, strictly greater replaces; TensorFlow.js's cpu semantics). Windows clipped at the border.
// ---------------------------------------------------------------------------------------------
EXPORT("max_pool_grad")
void max_pool_grad(const f32* x, const f32* dy, f32* dx, int N, int H, int W, int C, int Ho, int Wo,
                   int KH, int KW, int sh, int sw, int pt, int pl) {
  const int total = N * H * W * C;
  for (int i = 0; i < total; i++) dx[i] = 0;
  for (int n = 0; n < N; n++) {
    const f32* xn = x + n * H * W * C;
    f32* dxn = dx + n * H * W * C;
    for (int oh = 0; oh < Ho; oh++) {
      const int ih0 = oh * sh - pt;
      const int khLo = imax(0, -ih0), khHi = imin(KH, H - ih0);
      for (int ow = 0; ow < Wo; ow++) {
        const int iw0 = ow * sw - pl;
        const int kwLo = imax(0, -iw0), kwHi = imin(KW, W - iw0);
        if (khLo >= khHi || kwLo >= kwHi) continue;
        const f32* dyp = dy + ((n * Ho + oh) * Wo + ow) * C;
        const int first = (ih0 + khLo) * W + iw0 + kwLo;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          v128_t best = wasm_v128_load(xn + first * C + c);
          v128_t where = wasm_i32x4_splat(first);
          for (int kh = khLo; kh < khHi; kh++)
            for (int kw = kwLo; kw < kwHi; kw++) {
              const int p = (ih0 + kh) * W + iw0 + kw;
              if (p == first) continue;
              const v128_t v = wasm_v128_load(xn + p * C + c);
              const v128_t greater = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, greater);
              where = wasm_v128_bitselect(wasm_i32x4_splat(p), where, greater);
            }
          dxn[wasm_i32x4_extract_lane(where, 0) * C + c] += dyp[c];
          dxn[wasm_i32x4_extract_lane(where, 1) * C + c + 1] += dyp[c + 1];
          dxn[wasm_i32x4_extract_lane(where, 2) * C + c + 2] += dyp[c + 2];
          dxn[wasm_i32x4_extract_lane(where, 3) * C + c + 3] += dyp[c + 3];
        }
        for (; c < C; c++) {
          f32 best = xn[first * C + c];
          int where = first;
          for (int kh = khLo; kh < khHi; kh++)
            for (int kw = kwLo; kw < kwHi; kw++) {
              const int p = (ih0 + kh) * W + iw0 + kw;
              if (xn[p * C + c] > best) { best = xn[p * C + c]; where = p; }
            }
          dxn[where * C + c] += dyp[c];
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum (the gradient of gather, i.e. of every embedding lookup; stock wasm lacks it):
//   out[s, :] = sum over rows i with ids[i] == s of x[i, :]; ids outside [0, segments) are dropped.
// ---------------------------------------------------------------------------------------------
EXPORT("unsorted_segment_sum")
void unsorted_segment_sum(const f32* x, const int* ids, f32* out, int n, int inner, int segments) {
  for (int i = 0; i < segments * inner; i++) out[i] = 0;
  for (int i = 0; i < n; i++) {
    const int s = ids[i];
    if (s < 0 || s >= segments) continue;
    const f32* src = x + i * inner;
    f32* dst = out + s * inner;
    int j = 0;
    for (; j + 4 <= inner; j += 4) wasm_v128_store(dst + j, wasm_f32x4_add(wasm_v128_load(dst + j), wasm_v128_load(src + j)));
    for (; j < inner; j++) dst[j] += src[j];
  }
}

// ---------------------------------------------------------------------------------------------
// One torch.optim.SGD step with momentum for one parameter, in the very operations (and roundings)
// of its composition from tfjs ops (@kd/core sgdMomentumStep):
//   g' = g + w*wd (when wd != 0),  b' = b*mu + g',  u = nesterov ? g' + b'*mu : b',  w' = w - u*lr
// Element-wise: every element sees a multiply, then an add, rounded each (no fused multiply-add),
// so the SIMD and scalar paths and every build give the same bits as the composition.
// ---------------------------------------------------------------------------------------------
EXPORT("sgd_momentum_step")
void sgd_momentum_step(const f32* w, const f32* g, const f32* b, f32* w_out, f32* b_out, int n, f32 lr, f32 mu,
                       f32 wd, int nesterov) {
  const v128_t vlr = wasm_f32x4_splat(lr), vmu = wasm_f32x4_splat(mu), vwd = wasm_f32x4_splat(wd);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t wi = wasm_v128_load(w + i);
    v128_t gi = wasm_v128_load(g + i);
    if (wd != 0) gi = wasm_f32x4_add(gi, wasm_f32x4_mul(wi, vwd));
    const v128_t bi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(b + i), vmu), gi);
    const v128_t u = nesterov ? wasm_f32x4_add(gi, wasm_f32x4_mul(bi, vmu)) : bi;
    wasm_v128_store(b_out + i, bi);
    wasm_v128_store(w_out + i, wasm_f32x4_sub(wi, wasm_f32x4_mul(u, vlr)));
  }
  for (; i < n; i++) {
    f32 gi = g[i];
    if (wd != 0) gi = gi + w[i] * wd;
    const f32 bi = b[i] * mu + gi;
    const f32 u = nesterov ? gi + bi * mu : bi;
    b_out[i] = bi;
    w_out[i] = w[i] - u * lr;
  }
}

// ---------------------------------------------------------------------------------------------
// Element-wise work of a training step, on ranges [i0, i1) so that the addon can split it over
// threads (any split gives the same bits: each element is computed alone). The operations and
// their roundings are those of the stock tfjs kernels they stand in for:
//   binary_op   out = a (op) b, one shape; op 0 add, 1 subtract, 2 multiply, 3 divide
//   binary_rows out[r, c] = a[r, c] (op) b[c]   (a bias over the last axis)
//   binary_cols out[r, c] = a[r, c] (op) b[r]   (a per-row value: a last axis of 1 broadcast)
//   relu        out = sign bit of x set ? +0 : x (as tfjs-wasm's: -0 → 0, -NaN → 0, NaN stays)
//   relu_grad   out = dy * step(x), step(x) = x > 0 ? 1 : x is NaN ? NaN : 0 (tfjs's dy * step(x))
// ---------------------------------------------------------------------------------------------
#define EW_OP(op, x, y)                                                                                    \
  ((op) == 0   ? wasm_f32x4_add((x), (y))                                                                  \
   : (op) == 1 ? wasm_f32x4_sub((x), (y))                                                                  \
   : (op) == 2 ? wasm_f32x4_mul((x), (y))                                                                  \
               : wasm_f32x4_div((x), (y)))
#define EW_OP1(op, x, y) ((op) == 0 ? (x) + (y) : (op) == 1 ? (x) - (y) : (op) == 2 ? (x) * (y) : (x) / (y))
// Calls impl(..., op) with op as a constant in each branch, so that every loop is specialised.
#define EW_DISPATCH(op, impl, ...)   \
  if ((op) == 0) impl(__VA_ARGS__, 0);      \
  else if ((op) == 1) impl(__VA_ARGS__, 1); \
  else if ((op) == 2) impl(__VA_ARGS__, 2); \
  else impl(__VA_ARGS__, 3)

INLINE void binary_same(const f32* a, const f32* b, f32* out, int i0, int i1, const int op) {
  int i = i0;
  for (; i + 4 <= i1; i += 4) wasm_v128_store(out + i, EW_OP(op, wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < i1; i++) out[i] = EW_OP1(op, a[i], b[i]);
}

EXPORT("binary_op")
void binary_op(const f32* a, const f32* b, f32* out, int i0, int i1, int op) {
  EW_DISPATCH(op, binary_same, a, b, out, i0, i1);
}

INLINE void binary_rows_op(const f32* a, const f32* b, f32* out, int r0, int r1, int C, const int op) {
  for (int r = r0; r < r1; r++) {
    const f32* ar = a + (kd_size)r * C;
    f32* o = out + (kd_size)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) wasm_v128_store(o + c, EW_OP(op, wasm_v128_load(ar + c), wasm_v128_load(b + c)));
    for (; c < C; c++) o[c] = EW_OP1(op, ar[c], b[c]);
  }
}

EXPORT("binary_rows")
void binary_rows(const f32* a, const f32* b, f32* out, int r0, int r1, int C, int op) {
  EW_DISPATCH(op, binary_rows_op, a, b, out, r0, r1, C);
}

INLINE void binary_cols_op(const f32* a, const f32* b, f32* out, int r0, int r1, int C, const int op) {
  for (int r = r0; r < r1; r++) {
    const f32* ar = a + (kd_size)r * C;
    f32* o = out + (kd_size)r * C;
    const f32 br = b[r];
    const v128_t vb = wasm_f32x4_splat(br);
    int c = 0;
    for (; c + 4 <= C; c += 4) wasm_v128_store(o + c, EW_OP(op, wasm_v128_load(ar + c), vb));
    for (; c < C; c++) o[c] = EW_OP1(op, ar[c], br);
  }
}

EXPORT("binary_cols")
void binary_cols(const f32* a, const f32* b, f32* out, int r0, int r1, int C, int op) {
  EW_DISPATCH(op, binary_cols_op, a, b, out, r0, r1, C);
}

EXPORT("relu")
void relu(const f32* x, f32* out, int i0, int i1) {
  int i = i0;
  for (; i + 4 <= i1; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(out + i, wasm_v128_andnot(v, wasm_i32x4_shr(v, 31)));
  }
  for (; i < i1; i++) {
    union { f32 f; int i; } u = {x[i]};
    out[i] = u.i < 0 ? 0.0f : x[i];
  }
}

EXPORT("relu_grad")
void relu_grad(const f32* dy, const f32* x, f32* out, int i0, int i1) {
  const v128_t zero = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  int i = i0;
  for (; i + 4 <= i1; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t step = wasm_v128_bitselect(v, wasm_v128_bitselect(one, zero, wasm_f32x4_gt(v, zero)), wasm_f32x4_ne(v, v));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
  }
  for (; i < i1; i++) out[i] = dy[i] * (x[i] > 0 ? 1.0f : x[i] != x[i] ? x[i] : 0.0f);
}

// The gradient of Softmax over the last axis, rows [r0, r1) of C: with t = dy · y,
//   out[r, c] = t[r, c] - s[r] · y[r, c],  s[r] = sum over c of t[r, c], added in order from 0
// — tfjs's composition sub(dy · y, sum(dy · y, last axis, keepDims) · y), each operation rounded as
// its kernel rounds it (sum_middle adds a row's values in order), in one pass over each row instead
// of four kernels. Four rows at a time, so that their sums' additions overlap.
INLINE f32 softmax_grad_dot(const f32* y, const f32* dy, int C) {
  f32 s = 0;
  for (int c = 0; c < C; c++) s += dy[c] * y[c];
  return s;
}

INLINE void softmax_grad_row(const f32* y, const f32* dy, f32* out, int C, f32 s) {
  const v128_t sv = wasm_f32x4_splat(s);
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    const v128_t yv = wasm_v128_load(y + c);
    wasm_v128_store(out + c, wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(dy + c), yv), wasm_f32x4_mul(sv, yv)));
  }
  for (; c < C; c++) out[c] = dy[c] * y[c] - s * y[c];
}

EXPORT("softmax_grad")
void softmax_grad(const f32* y, const f32* dy, f32* out, int r0, int r1, int C) {
  int r = r0;
  for (; r + 4 <= r1; r += 4) {
    const f32 *y0 = y + (kd_size)r * C, *y1 = y0 + C, *y2 = y1 + C, *y3 = y2 + C;
    const f32 *d0 = dy + (kd_size)r * C, *d1 = d0 + C, *d2 = d1 + C, *d3 = d2 + C;
    f32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int c = 0; c < C; c++) {
      s0 += d0[c] * y0[c];
      s1 += d1[c] * y1[c];
      s2 += d2[c] * y2[c];
      s3 += d3[c] * y3[c];
    }
    f32* o = out + (kd_size)r * C;
    softmax_grad_row(y0, d0, o, C, s0);
    softmax_grad_row(y1, d1, o + C, C, s1);
    softmax_grad_row(y2, d2, o + 2 * C, C, s2);
    softmax_grad_row(y3, d3, o + 3 * C, C, s3);
  }
  for (; r < r1; r++) {
    const f32 *yr = y + (kd_size)r * C, *dr = dy + (kd_size)r * C;
    softmax_grad_row(yr, dr, out + (kd_size)r * C, C, softmax_grad_dot(yr, dr, C));
  }
}

// out[a, c, b, d] = x[a, b, c, d]: the transposes that swap two adjacent groups of axes (attention
// heads in and out, 2-D transposes), in tiles of 8 x 8 blocks of d floats; rows [a0, a1) of a.
EXPORT("transpose_blocks")
void transpose_blocks(const f32* x, f32* out, int a0, int a1, int B, int C, int D) {
  for (int a = a0; a < a1; a++) {
    const f32* xa = x + (kd_size)a * B * C * D;
    f32* oa = out + (kd_size)a * B * C * D;
    for (int b0 = 0; b0 < B; b0 += 8)
      for (int c0 = 0; c0 < C; c0 += 8) {
        const int b1 = imin(B, b0 + 8), c1 = imin(C, c0 + 8);
        for (int c = c0; c < c1; c++)
          for (int b = b0; b < b1; b++) {
            const f32* s = xa + ((kd_size)b * C + c) * D;
            f32* o = oa + ((kd_size)c * B + b) * D;
            int d = 0;
            for (; d + 4 <= D; d += 4) wasm_v128_store(o + d, wasm_v128_load(s + d));
            for (; d < D; d++) o[d] = s[d];
          }
      }
  }
}
