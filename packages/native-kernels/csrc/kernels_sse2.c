// kd_kernels.c for any x86-64 CPU (SSE2): a multiply and an add, as in the wasm SIMD128 build.
#include "kd_kernels.c"
#include "kernel_table.h"

const kd_kernel_table kd_kernels_sse2 = KD_KERNEL_TABLE("sse2", "sse");
