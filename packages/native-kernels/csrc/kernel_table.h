// The kernels of kd_kernels.c as one table per instruction-set build (kernels_fma.c,
// kernels_fma_avx512.c, kernels_sse2.c); the addon picks a table at load time by the CPU's features.
#ifndef KD_KERNEL_TABLE_H
#define KD_KERNEL_TABLE_H

#define KD_BN_CHUNK 256  // kd_kernels.c BN_CHUNK: rows per chunk of batch norm's sums

typedef float f32;

typedef struct {
  const char* isa;    // what decides the rounding: "fma" (fused multiply-adds) or "sse2"
  const char* tiles;  // the convolutions' widest register tiles: "avx512", "avx2" or "sse" (speed only)
  int gemm_tile_rows;  // MM_MR: rows of the GEMM register tile (scratch size)
  void (*conv2d_backprop_filter)(const f32* x, const f32* dy, f32* dw, int N, int H, int W, int C, int Ho, int Wo,
                                 int Co, int KH, int KW, int sh, int sw, int ph, int pw, int dh, int dwl);
  void (*depthwise_filter_grad)(const f32* x, const f32* dy, f32* dw, int N, int H, int W, int C, int Ho, int Wo,
                                int KH, int KW, int sh, int sw, int ph, int pw);
  void (*gather_conv)(const f32* src, const f32* w, f32* dst, int N, int Hs, int Ws, int Cin, int Ho, int Wo, int Cout,
                      int KH, int KW, int Ah, int Aw, int Bh, int Bw, int Dh, int Dw, int Sh, int Sw);
  void (*pad_nhwc)(const f32* src, f32* dst, int N, int H, int W, int C, int Hp, int Wp, int top, int left);
  void (*rotate_transpose_filter)(const f32* w, f32* wt, int taps, int C, int Co);
  void (*bn_train_forward)(const f32* x, const f32* gamma, const f32* beta, f32* y, f32* mean, f32* var, int M, int C,
                           f32 eps, int relu, double* scratch);
  void (*bn_train_backward)(const f32* dy, const f32* x, const f32* mean, const f32* var, const f32* gamma, f32* dx,
                            f32* dgamma, f32* dbeta, int M, int C, f32 eps, double* scratch);
  void (*ln_forward)(const f32* x, const f32* gamma, const f32* beta, f32* y, f32* mean, f32* rstd, int R, int C,
                     f32 eps);
  void (*ln_backward)(const f32* dy, const f32* x, const f32* mean, const f32* rstd, const f32* gamma, f32* dx,
                      f32* dgamma, f32* dbeta, int R, int C);
  void (*batch_matmul)(const f32* A, const f32* B, f32* C, int batch, int M, int N, int K, int strideA, int strideB,
                       int transA, int transB, f32* scratch);
  void (*sum_rows)(const f32* x, f32* out, int R, int C);
  void (*sum_middle)(const f32* x, f32* out, int O, int R, int C, f32 divisor);
  void (*sum_last)(const f32* x, f32* out, int r0, int r1, int C, f32 divisor);
  void (*max_pool)(const f32* x, f32* y, int N, int H, int W, int C, int Ho, int Wo, int KH, int KW, int sh, int sw,
                   int pt, int pl);
  void (*max_pool_grad)(const f32* x, const f32* dy, f32* dx, int N, int H, int W, int C, int Ho, int Wo, int KH,
                        int KW, int sh, int sw, int pt, int pl);
  void (*unsorted_segment_sum)(const f32* x, const int* ids, f32* out, int n, int inner, int segments);
  void (*sgd_momentum_step)(const f32* w, const f32* g, const f32* b, f32* w_out, f32* b_out, int n, f32 lr, f32 mu,
                            f32 wd, int nesterov);
  void (*binary_op)(const f32* a, const f32* b, f32* out, int i0, int i1, int op);
  void (*binary_rows)(const f32* a, const f32* b, f32* out, int r0, int r1, int C, int op);
  void (*binary_cols)(const f32* a, const f32* b, f32* out, int r0, int r1, int C, int op);
  void (*relu)(const f32* x, f32* out, int i0, int i1);
  void (*relu_grad)(const f32* dy, const f32* x, f32* out, int i0, int i1);
  void (*transpose_blocks)(const f32* x, f32* out, int a0, int a1, int B, int C, int D);
  void (*softmax_grad)(const f32* y, const f32* dy, f32* out, int r0, int r1, int C);
  // batch norm's parts, for the addon's threads (bn_train_forward/backward run them in one go)
  void (*bn_chunk_sums)(const f32* a, const f32* b, const f32* center, f32* part, int k0, int k1, int M, int C, int pair);
  void (*bn_forward_stats)(const f32* x, const f32* gamma, const f32* beta, const double* s1, const double* s2, f32* mean,
                           f32* var, f32* scale, f32* shift, int M, int C, f32 eps);
  void (*bn_affine_rows)(const f32* x, const f32* scale, const f32* shift, f32* y, int m0, int m1, int C, int relu);
  void (*bn_backward_coefs)(const double* s1, const double* s2, const f32* mean, const f32* var, const f32* gamma,
                            f32* dgamma, f32* dbeta, f32* k1, f32* k2, f32* k3, int M, int C, f32 eps);
  void (*bn_dx_rows)(const f32* dy, const f32* x, const f32* k1, const f32* k2, const f32* k3, f32* dx, int m0, int m1,
                     int C);
  // rows [m0, m1) of one product C = op(A) · op(B), the bits of batch_matmul, with wider tiles (the
  // FMA build's 6 × 16); NULL where batch_matmul's own tiles are the widest. Rows of A, B and C
  // lda, ldb, ldc floats apart (contiguous: transA ? M : K, transB ? K : N, N). scratch:
  // KD_GEMM_ROWS_SCRATCH(N) floats.
  void (*gemm_rows)(const f32* A, const f32* B, f32* C, int M, int N, int K, int m0, int m1, int transA, int transB,
                    int lda, int ldb, int ldc, f32* scratch);
} kd_kernel_table;

#define KD_GEMM_ROWS_MC 192  // wide_tiles_avx2.h GEMM_ROWS_MC
#define KD_GEMM_ROWS_SCRATCH(N) ((size_t)256 * (((N) + 15) / 16 * 16) + (KD_GEMM_ROWS_MC + 6) * 256 + 6 * 16)

#define KD_KERNEL_TABLE(name, tiles)                                                                             \
  {                                                                                                              \
    name, tiles, MM_MR, conv2d_backprop_filter, depthwise_filter_grad, gather_conv, pad_nhwc, rotate_transpose_filter, bn_train_forward,       \
        bn_train_backward, ln_forward, ln_backward, batch_matmul, sum_rows, sum_middle, sum_last, max_pool, max_pool_grad, unsorted_segment_sum, \
        sgd_momentum_step, binary_op, binary_rows, binary_cols, relu, relu_grad, transpose_blocks, softmax_grad, bn_chunk_sums, bn_forward_stats, \
        bn_affine_rows, bn_backward_coefs, bn_dx_rows, KD_GEMM_ROWS \
  }

#ifdef BN_CHUNK
_Static_assert(BN_CHUNK == KD_BN_CHUNK, "kernel_table.h KD_BN_CHUNK must be kd_kernels.c BN_CHUNK");
#endif
#ifdef GEMM_ROWS_MC
_Static_assert(GEMM_ROWS_MC == KD_GEMM_ROWS_MC, "kernel_table.h KD_GEMM_ROWS_MC must be wide_tiles_avx2.h GEMM_ROWS_MC");
#endif

extern const kd_kernel_table kd_kernels_fma;
#ifndef KD_NO_AVX512_TILES
extern const kd_kernel_table kd_kernels_fma_avx512;
#endif
extern const kd_kernel_table kd_kernels_sse2;

#endif
