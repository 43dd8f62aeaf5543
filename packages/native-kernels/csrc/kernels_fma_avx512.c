// kd_kernels.c for x86-64 CPUs with FMA and AVX-512F (compiled with -mavx512f -mavx2 -mfma): the FMA
// build with 512-bit convolution tiles (wide_tiles_avx512.h) in front of the 256-bit ones. It rounds
// exactly as kernels_fma.c (the tiles change which lanes run together, never what each lane adds
// in which order), so it is the same numerics, only faster where the CPU runs 512-bit FMAs well.
#define KD_RELAXED_SIMD
#define KD_WIDE_TILES
#define KD_AVX512_TILES
#include "kd_kernels.c"
#include "kernel_table.h"

const kd_kernel_table kd_kernels_fma_avx512 = KD_KERNEL_TABLE("fma", "avx512");
