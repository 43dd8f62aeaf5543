// OpenBLAS, when the machine has it, loaded at run time (dlopen): no headers or link-time
// dependency, so the addon builds and runs without it (kd's own GEMM is used then).
#ifndef KD_BLAS_H
#define KD_BLAS_H

typedef void (*kd_sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha, const float* A,
                            int lda, const float* B, int ldb, float beta, float* C, int ldc);

typedef struct {
  kd_sgemm_fn sgemm;   // NULL when no BLAS loaded
  const char* library; // the file dlopen'ed
  const char* core;    // OpenBLAS's kernel family for this CPU (openblas_get_corename), or ""
  const char* config;  // openblas_get_config(), or ""
  const char* reason;  // why none was loaded
} kd_blas;

// CBLAS constants (cblas.h)
#define KD_CBLAS_ROW_MAJOR 101
#define KD_CBLAS_NO_TRANS 111
#define KD_CBLAS_TRANS 112

/**
 * Load the first of `candidates` (NULL-terminated) that has cblas_sgemm; 1 thread inside BLAS.
 * `core` (or NULL): the OpenBLAS kernel family to ask for (OPENBLAS_CORETYPE) — only where the
 * environment names none, unless `force`.
 */
kd_blas kd_blas_load(const char* const* candidates, const char* core, int force);

#endif
