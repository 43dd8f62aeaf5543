// The SIMD128 intrinsics kd_kernels.c uses, on x86-64: one 128-bit SSE register per v128_t, so
// the native build runs the very same loops, lane for lane, as the wasm build. The KD_RELAXED_SIMD
// build is compiled with -mfma and its multiply-add is one fused FMA, as f32x4.relaxed_madd is on
// an FMA CPU; the plain build stays within SSE2 (every x86-64 CPU).
#ifndef KD_SIMD128_X86_H
#define KD_SIMD128_X86_H

#include <emmintrin.h>
#ifdef KD_RELAXED_SIMD
#include <immintrin.h>
#endif

// Each build (kernels_fma.c, kernels_sse2.c) keeps its functions to itself and hands them to the
// addon through a table (kernel_table.h).
#define EXPORT(name) static

typedef __m128 v128_t;

#define wasm_f32x4_add(a, b) _mm_add_ps((a), (b))
#define wasm_f32x4_sub(a, b) _mm_sub_ps((a), (b))
#define wasm_f32x4_mul(a, b) _mm_mul_ps((a), (b))
#define wasm_f32x4_div(a, b) _mm_div_ps((a), (b))
#define wasm_f32x4_gt(a, b) _mm_cmpgt_ps((a), (b))
#define wasm_f32x4_lt(a, b) _mm_cmplt_ps((a), (b))
#define wasm_f32x4_ne(a, b) _mm_cmpneq_ps((a), (b))
// arithmetic shift of each 32-bit lane; a & ~b
#define wasm_i32x4_shr(a, n) _mm_castsi128_ps(_mm_srai_epi32(_mm_castps_si128(a), (n)))
#define wasm_v128_andnot(a, b) _mm_andnot_ps((b), (a))
#define wasm_f32x4_splat(x) _mm_set1_ps((float)(x))
#define wasm_i32x4_splat(x) _mm_castsi128_ps(_mm_set1_epi32((int)(x)))
#define wasm_v128_load(p) _mm_loadu_ps((const float*)(const void*)(p))
#define wasm_v128_load32_splat(p) _mm_set1_ps(*(const float*)(const void*)(p))
#define wasm_v128_store(p, v) _mm_storeu_ps((float*)(void*)(p), (v))
// (a & mask) | (b & ~mask), as wasm's v128.bitselect
#define wasm_v128_bitselect(a, b, mask) _mm_or_ps(_mm_and_ps((mask), (a)), _mm_andnot_ps((mask), (b)))
#define wasm_f32x4_extract_lane(v, lane) _mm_cvtss_f32(_mm_shuffle_ps((v), (v), _MM_SHUFFLE(lane, lane, lane, lane)))
#define wasm_i32x4_extract_lane(v, lane) \
  _mm_cvtsi128_si32(_mm_shuffle_epi32(_mm_castps_si128(v), _MM_SHUFFLE(lane, lane, lane, lane)))

#ifdef KD_RELAXED_SIMD
// f32x4.relaxed_madd(a, b, c) = a * b + c, fused
#define __builtin_wasm_relaxed_madd_f32x4(a, b, c) _mm_fmadd_ps((a), (b), (c))
#endif

#endif
