// kd_kernels.c for x86-64 CPUs with FMA (compiled with -mavx2 -mfma): every multiply-accumulate is
// one fused multiply-add, as in the wasm relaxed-SIMD build; the convolutions add 256-bit tiles
// (wide_tiles_avx2.h), which round exactly as the 4-wide ones.
#define KD_RELAXED_SIMD
#define KD_WIDE_TILES
#include "kd_kernels.c"
#include "kernel_table.h"

const kd_kernel_table kd_kernels_fma = KD_KERNEL_TABLE("fma", "avx2");
