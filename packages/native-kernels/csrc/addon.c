// N-API glue: kd's kernels run natively on the tfjs wasm backend's heap.
//
// Every kernel is called from JS as fn(heap, ...args) where `heap` is the backend's
// WebAssembly.Memory buffer (passed on every call: memory.grow detaches the old one) and the
// pointer arguments are byte offsets into it, exactly the arguments of the wasm build of
// kd_kernels.c. Kernels come from the table for this CPU (kernels_fma.c where the CPU has AVX2 and
// FMA, else kernels_sse2.c); matrix products go to OpenBLAS when it loads (csrc/blas.c), else to
// kd's own GEMM; the large kernels are split over a thread pool (csrc/pool.c) in tasks that depend
// on the shapes only, so results do not depend on the number of threads.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "kernel_table.h"
#include "pool.h"

static const kd_kernel_table* kernels;
static int wide_tiles;  // 1: the FMA build with 512-bit tiles where the CPU has AVX-512F (setTiles)
static kd_blas blas;
static int use_blas;  // 1: OpenBLAS for matrix products, 0: kd's own GEMM

// ---------------------------------------------------------------------------------------------
// Arguments

#define MAX_ARGS 24

typedef struct {
  uint8_t* base;
  size_t length;
  double num[MAX_ARGS];
  int bad;  // an offset outside the heap
} call_args;

/** Read (heap, n numbers); 0 and a pending JS exception on bad arguments. */
static int read_args(napi_env env, napi_callback_info info, size_t n, call_args* a) {
  size_t argc = MAX_ARGS + 1;
  napi_value argv[MAX_ARGS + 1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc != n + 1) {
    napi_throw_type_error(env, NULL, "kd native kernel: wrong number of arguments");
    return 0;
  }
  void* data = NULL;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &a->length) != napi_ok) {
    napi_throw_type_error(env, NULL, "kd native kernel: the first argument must be the wasm heap's ArrayBuffer");
    return 0;
  }
  a->base = (uint8_t*)data;
  a->bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_double(env, argv[i + 1], &a->num[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "kd native kernel: arguments after the heap must be numbers");
      return 0;
    }
  }
  return 1;
}

static void* ptr(call_args* a, int i) {
  const double off = a->num[i];
  if (!(off >= 0 && off < (double)a->length)) {
    a->bad = 1;
    return a->base;
  }
  return a->base + (size_t)off;
}
#define P(i) ptr(&a, i)
#define I(i) ((int)a.num[i])
#define F(i) ((float)a.num[i])

#define BEGIN(n)                                  \
  call_args a;                                    \
  if (!read_args(env, info, n, &a)) return NULL;
#define CHECK_POINTERS()                                                             \
  if (a.bad) {                                                                       \
    napi_throw_range_error(env, NULL, "kd native kernel: offset outside the heap"); \
    return NULL;                                                                     \
  }

// Work below this many multiply-adds runs on the calling thread (same tasks, same results).
#define PARALLEL_MIN_WORK (1 << 18)

static void run_tasks(int tasks, kd_task_fn fn, void* ctx, double work) {
  if (work < PARALLEL_MIN_WORK) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
  } else {
    kd_parallel_for(tasks, fn, ctx);
  }
}

// Per-thread scratch for kd's own GEMM (its packing buffers).
static _Thread_local float* scratch_buf;
static _Thread_local size_t scratch_floats;

static float* thread_scratch(size_t floats) {
  if (floats > scratch_floats) {
    free(scratch_buf);
    scratch_buf = (float*)malloc(floats * sizeof(float));
    scratch_floats = scratch_buf ? floats : 0;
  }
  return scratch_buf;
}

// ---------------------------------------------------------------------------------------------
// Matrix products: C[b] = op(A[b]) op(B[b]), row-major, batch strides 0 broadcast.

#define GEMM_KC 256  // kd_kernels.c MM_KC

// Rows per BLAS call: at most 8 blocks of a product (BLAS packs op(B) once per call, so fewer,
// larger calls waste less), at least 256 rows; a function of M only.
static int gemm_block_rows(int M) {
  int rows = (M + 7) / 8;
  rows = (rows + 15) / 16 * 16;
  return rows < 256 ? 256 : rows;
}

typedef struct {
  const f32 *A, *B;
  f32* C;
  int M, N, K, strideA, strideB, transA, transB, blocks, block_rows;
} gemm_ctx;

// One block of rows of one product, one BLAS call.
static void gemm_blas_task(void* p, int t) {
  const gemm_ctx* g = (const gemm_ctx*)p;
  const int b = t / g->blocks, m0 = (t % g->blocks) * g->block_rows;
  const int rows = g->M - m0 < g->block_rows ? g->M - m0 : g->block_rows;
  const f32* A = g->A + (size_t)b * g->strideA + (g->transA ? (size_t)m0 : (size_t)m0 * g->K);
  const f32* B = g->B + (size_t)b * g->strideB;
  f32* C = g->C + (size_t)b * g->M * g->N + (size_t)m0 * g->N;
  blas.sgemm(KD_CBLAS_ROW_MAJOR, g->transA ? KD_CBLAS_TRANS : KD_CBLAS_NO_TRANS,
             g->transB ? KD_CBLAS_TRANS : KD_CBLAS_NO_TRANS, rows, g->N, g->K, 1.0f, A, g->transA ? g->M : g->K, B,
             g->transB ? g->K : g->N, 0.0f, C, g->N);
}

// One whole product with kd's own GEMM.
static void gemm_own_task(void* p, int b) {
  const gemm_ctx* g = (const gemm_ctx*)p;
  const int mr = kernels->gemm_tile_rows;
  float* scratch = thread_scratch((size_t)GEMM_KC * ((g->N + 7) / 8) * 8 + (size_t)GEMM_KC * mr + 8 * mr);
  kernels->batch_matmul(g->A + (size_t)b * g->strideA, g->B + (size_t)b * g->strideB, g->C + (size_t)b * g->M * g->N,
                        1, g->M, g->N, g->K, 0, 0, g->transA, g->transB, scratch);
}

// One block of rows of one product with the build's wider tiles (kernels->gemm_rows).
static void gemm_rows_task(void* p, int t) {
  const gemm_ctx* g = (const gemm_ctx*)p;
  const int b = t / g->blocks, m0 = (t % g->blocks) * g->block_rows;
  const int m1 = g->M - m0 < g->block_rows ? g->M : m0 + g->block_rows;
  float* scratch = thread_scratch(KD_GEMM_ROWS_SCRATCH(g->N));
  kernels->gemm_rows(g->A + (size_t)b * g->strideA, g->B + (size_t)b * g->strideB, g->C + (size_t)b * g->M * g->N,
                     g->M, g->N, g->K, m0, m1, g->transA, g->transB, g->transA ? g->M : g->K, g->transB ? g->K : g->N,
                     g->N, scratch);
}

static napi_value batch_matmul(napi_env env, napi_callback_info info) {
  BEGIN(12);
  gemm_ctx g = {P(0), P(1), P(2), I(4), I(5), I(6), I(7), I(8), I(9), I(10), 0, 0};
  const int batch = I(3);
  CHECK_POINTERS();
  const double work = (double)batch * g.M * g.N * g.K;
  if (g.M == 0 || g.N == 0 || batch == 0) return NULL;
  if (g.K == 0) {
    memset(g.C, 0, (size_t)batch * g.M * g.N * sizeof(f32));
  } else if (use_blas) {
    g.block_rows = gemm_block_rows(g.M);
    g.blocks = (g.M + g.block_rows - 1) / g.block_rows;
    run_tasks(batch * g.blocks, gemm_blas_task, &g, work);
  } else if (kernels->gemm_rows) {
    // whole products on the threads, or, fewer products than threads, one block of rows per thread
    // (each block packs op(B) again; the rows' split changes no bits)
    const int threads = kd_pool_threads();
    g.block_rows = batch < threads ? ((g.M + threads - 1) / threads + 5) / 6 * 6 : g.M;
    g.blocks = (g.M + g.block_rows - 1) / g.block_rows;
    run_tasks(batch * g.blocks, gemm_rows_task, &g, work);
  } else {
    run_tasks(batch, gemm_own_task, &g, work);
  }
  return NULL;
}

// Products of attention heads where they lie: operands and output in [batch, tokens, heads, dims]
// (rows strided by heads · dims) or [batch, heads, rows, cols] layout, one product per (batch, head)
// with the leading dimensions doing what the head transposes did. With OpenBLAS one BLAS call each:
// BLAS packs its operands before it multiplies, so the bits are those of the transposed copies'
// products. With kd's own GEMM the build's wider tiles (gemm_rows) over the strided operands: each
// output the same chain of products as batch_matmul's over the copies. Tests compare bit for bit.
// Builds with neither (the SSE2 table has no gemm_rows): kd composes the transposes and BatchMatMul.
typedef struct {
  const f32 *A, *B;
  f32* C;
  int heads, M, N, K, lda, ldb, ldc, transA, transB;
  size_t a_batch, a_head, b_batch, b_head, c_batch, c_head;
} heads_ctx;

static void heads_own_task(void* p, int t) {
  const heads_ctx* g = (const heads_ctx*)p;
  const size_t b = (size_t)(t / g->heads), h = (size_t)(t % g->heads);
  float* scratch = thread_scratch(KD_GEMM_ROWS_SCRATCH(g->N));
  kernels->gemm_rows(g->A + b * g->a_batch + h * g->a_head, g->B + b * g->b_batch + h * g->b_head,
                     g->C + b * g->c_batch + h * g->c_head, g->M, g->N, g->K, 0, g->M, g->transA, g->transB, g->lda,
                     g->ldb, g->ldc, scratch);
}

static void heads_task(void* p, int t) {
  const heads_ctx* g = (const heads_ctx*)p;
  const size_t b = (size_t)(t / g->heads), h = (size_t)(t % g->heads);
  blas.sgemm(KD_CBLAS_ROW_MAJOR, g->transA ? KD_CBLAS_TRANS : KD_CBLAS_NO_TRANS,
             g->transB ? KD_CBLAS_TRANS : KD_CBLAS_NO_TRANS, g->M, g->N, g->K, 1.0f, g->A + b * g->a_batch + h * g->a_head,
             g->lda, g->B + b * g->b_batch + h * g->b_head, g->ldb, 0.0f, g->C + b * g->c_batch + h * g->c_head, g->ldc);
}

/**
 * heads_matmul(A, B, C, batch, heads, M, N, K, aBatch, aHead, lda, transA, bBatch, bHead, ldb, transB,
 * cBatch, cHead, ldc): C[b, h] = op(A[b, h]) · op(B[b, h]), strides and leading dimensions in floats.
 */
static napi_value heads_matmul(napi_env env, napi_callback_info info) {
  BEGIN(19);
  heads_ctx g = {P(0), P(1), P(2), I(4), I(5), I(6), I(7), I(10), I(14), I(18), I(11), I(15),
                 (size_t)a.num[8], (size_t)a.num[9], (size_t)a.num[12], (size_t)a.num[13], (size_t)a.num[16],
                 (size_t)a.num[17]};
  const int batch = I(3);
  CHECK_POINTERS();
  if (!use_blas && !kernels->gemm_rows) {
    napi_throw_error(env, NULL, "heads_matmul needs OpenBLAS or the FMA build's own tiles");
    return NULL;
  }
  if (batch == 0 || g.heads == 0 || g.M == 0 || g.N == 0) return NULL;
  if (g.K == 0) {
    napi_throw_range_error(env, NULL, "heads_matmul: K must be positive");
    return NULL;
  }
  run_tasks(batch * g.heads, use_blas ? heads_task : heads_own_task, &g, (double)batch * g.heads * g.M * g.N * g.K);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Convolutions

typedef struct {
  const f32 *src, *w;
  f32* dst;
  int d[17];  // N Hs Ws Cin Ho Wo Cout KH KW Ah Aw Bh Bw Dh Dw Sh Sw
} gather_ctx;

static void gather_task(void* p, int n) {
  const gather_ctx* g = (const gather_ctx*)p;
  const int* d = g->d;
  kernels->gather_conv(g->src + (size_t)n * d[1] * d[2] * d[3], g->w, g->dst + (size_t)n * d[4] * d[5] * d[6], 1,
                       d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15],
                       d[16]);
}

static napi_value gather_conv(napi_env env, napi_callback_info info) {
  BEGIN(20);
  gather_ctx g = {P(0), P(1), P(2), {0}};
  for (int i = 0; i < 17; i++) g.d[i] = I(3 + i);
  CHECK_POINTERS();
  const int* d = g.d;
  const double work = (double)d[0] * d[4] * d[5] * d[6] * d[3] * d[7] * d[8];
  run_tasks(d[0], gather_task, &g, work);
  return NULL;
}

// The same gather convolution over a source that needs zero padding: each task pads its image into
// the thread's own scratch (one image: tens of KiB, it stays in cache) and convolves it at once,
// instead of a padded copy of the whole batch written to memory and read back. The same sums.
typedef struct {
  const f32 *src, *w;
  f32* dst;
  int H, W, top, left;
  int d[17];  // N Hp Wp Cin Ho Wo Cout KH KW Ah Aw Bh Bw Dh Dw Sh Sw
  atomic_int failed;
} gather_pad_ctx;

static void gather_pad_task(void* p, int n) {
  gather_pad_ctx* g = (gather_pad_ctx*)p;
  const int* d = g->d;
  f32* image = thread_scratch((size_t)d[1] * d[2] * d[3]);
  if (!image) {
    atomic_store(&g->failed, 1);
    return;
  }
  kernels->pad_nhwc(g->src + (size_t)n * g->H * g->W * d[3], image, 1, g->H, g->W, d[3], d[1], d[2], g->top, g->left);
  kernels->gather_conv(image, g->w, g->dst + (size_t)n * d[4] * d[5] * d[6], 1, d[1], d[2], d[3], d[4], d[5], d[6], d[7],
                       d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15], d[16]);
}

/** (src, w, dst, N, H, W, Cin, top, left, Hp, Wp, Ho, Wo, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw) */
static napi_value gather_conv_padded(napi_env env, napi_callback_info info) {
  BEGIN(24);
  gather_pad_ctx g = {P(0), P(1), P(2), I(4), I(5), I(7), I(8), {0}, 0};
  g.d[0] = I(3);
  g.d[1] = I(9);
  g.d[2] = I(10);
  g.d[3] = I(6);
  for (int i = 4; i < 17; i++) g.d[i] = I(7 + i);
  CHECK_POINTERS();
  const int* d = g.d;
  const double work = (double)d[0] * d[4] * d[5] * d[6] * d[3] * d[7] * d[8];
  run_tasks(d[0], gather_pad_task, &g, work);
  if (atomic_load(&g.failed)) napi_throw_error(env, NULL, "kd native kernel: out of memory");
  return NULL;
}

// The filter gradient sums over the images: fixed chunks of images, each into its own partial
// sum, then the partials added in chunk order.
#define FILTER_GRAD_CHUNK 8

// The partial sums' buffer is kept from call to call up to PARTIALS_KEEP_BYTES (ResNet-20's largest
// filter needs 2.4 MB): freed after every call, glibc hands a block this large back to the system
// (mmap), and the next call page-faults it in anew — on this VM that took 3–8 ms of a 1 ms kernel.
#define PARTIALS_KEEP_BYTES ((size_t)64 << 20)
static f32* partials_kept;
static size_t partials_kept_floats;

static f32* partial_sums(size_t floats) {
  if (floats * sizeof(f32) > PARTIALS_KEEP_BYTES) return (f32*)malloc(floats * sizeof(f32));
  if (floats > partials_kept_floats) {
    free(partials_kept);
    partials_kept = (f32*)malloc(floats * sizeof(f32));
    partials_kept_floats = partials_kept ? floats : 0;
  }
  return partials_kept;
}

static void release_partial_sums(f32* p) {
  if (p != partials_kept) free(p);
}

typedef struct {
  const f32 *x, *dy;
  f32* partials;
  size_t total;
  int depthwise;  // depthwise_filter_grad (Co = C, KH KW sh sw ph pw used; dh dwl 1), else conv2d_backprop_filter
  int d[15];      // N H W C Ho Wo Co KH KW sh sw ph pw dh dwl
} filter_ctx;

// One filter gradient over images [n0, n0 + n) into dw.
static void filter_grad(const filter_ctx* f, int n0, int n, f32* dw) {
  const int* d = f->d;
  const f32* x = f->x + (size_t)n0 * d[1] * d[2] * d[3];
  const f32* dy = f->dy + (size_t)n0 * d[4] * d[5] * d[6];
  if (f->depthwise)
    kernels->depthwise_filter_grad(x, dy, dw, n, d[1], d[2], d[3], d[4], d[5], d[7], d[8], d[9], d[10], d[11], d[12]);
  else
    kernels->conv2d_backprop_filter(x, dy, dw, n, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11],
                                    d[12], d[13], d[14]);
}

static void filter_task(void* p, int t) {
  const filter_ctx* f = (const filter_ctx*)p;
  const int n0 = t * FILTER_GRAD_CHUNK;
  const int n = f->d[0] - n0 < FILTER_GRAD_CHUNK ? f->d[0] - n0 : FILTER_GRAD_CHUNK;
  filter_grad(f, n0, n, f->partials + (size_t)t * f->total);
}

// Chunks of FILTER_GRAD_CHUNK images over the threads, each into its own partial sum, then the
// partials added in chunk order: the same bits on any number of threads.
static napi_value run_filter_grad(napi_env env, filter_ctx* f, f32* dw) {
  const int* d = f->d;
  f->total = (size_t)d[7] * d[8] * d[3] * (f->depthwise ? 1 : d[6]);
  const int chunks = (d[0] + FILTER_GRAD_CHUNK - 1) / FILTER_GRAD_CHUNK;
  if (chunks <= 1) {
    filter_grad(f, 0, d[0], dw);
    return NULL;
  }
  f->partials = partial_sums((size_t)chunks * f->total);
  if (!f->partials) {
    napi_throw_error(env, NULL, "kd native kernel: out of memory");
    return NULL;
  }
  const double work = (double)d[0] * d[4] * d[5] * d[3] * d[7] * d[8] * (f->depthwise ? 1 : d[6]);
  run_tasks(chunks, filter_task, f, work);
  memcpy(dw, f->partials, f->total * sizeof(f32));
  for (int c = 1; c < chunks; c++) {
    const f32* part = f->partials + (size_t)c * f->total;
    for (size_t i = 0; i < f->total; i++) dw[i] += part[i];
  }
  release_partial_sums(f->partials);
  return NULL;
}

static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  BEGIN(18);
  filter_ctx f = {P(0), P(1), NULL, 0, 0, {0}};
  f32* dw = P(2);
  for (int i = 0; i < 15; i++) f.d[i] = I(3 + i);
  CHECK_POINTERS();
  return run_filter_grad(env, &f, dw);
}

/** (x, dy, dw, N, H, W, C, Ho, Wo, KH, KW, sh, sw, ph, pw) */
static napi_value depthwise_filter_grad(napi_env env, napi_callback_info info) {
  BEGIN(15);
  filter_ctx f = {P(0), P(1), NULL, 0, 1, {0}};
  f32* dw = P(2);
  const int N = I(3), H = I(4), W = I(5), C = I(6), Ho = I(7), Wo = I(8);
  const int dims[15] = {N, H, W, C, Ho, Wo, C, I(9), I(10), I(11), I(12), I(13), I(14), 1, 1};
  for (int i = 0; i < 15; i++) f.d[i] = dims[i];
  CHECK_POINTERS();
  return run_filter_grad(env, &f, dw);
}

// ---------------------------------------------------------------------------------------------
// The other kernels (memory-bound).

typedef struct {
  const f32* src;
  f32* dst;
  int H, W, C, Hp, Wp, top, left;
} pad_ctx;

static void pad_task(void* p, int n) {
  const pad_ctx* c = (const pad_ctx*)p;
  kernels->pad_nhwc(c->src + (size_t)n * c->H * c->W * c->C, c->dst + (size_t)n * c->Hp * c->Wp * c->C, 1, c->H, c->W,
                    c->C, c->Hp, c->Wp, c->top, c->left);
}

// A copy per image: the images on the threads.
static napi_value pad_nhwc(napi_env env, napi_callback_info info) {
  BEGIN(10);
  pad_ctx c = {P(0), P(1), I(3), I(4), I(5), I(6), I(7), I(8), I(9)};
  CHECK_POINTERS();
  const int N = I(2);
  run_tasks(N, pad_task, &c, (double)N * c.Hp * c.Wp * c.C);
  return NULL;
}

static napi_value rotate_transpose_filter(napi_env env, napi_callback_info info) {
  BEGIN(5);
  const f32* w = P(0);
  f32* wt = P(1);
  CHECK_POINTERS();
  kernels->rotate_transpose_filter(w, wt, I(2), I(3), I(4));
  return NULL;
}

// Batch norm on the threads: the chunks' sums in tasks of BN_TASK_CHUNKS chunks (each chunk summed
// as the one-thread kernel sums it), added in chunk order on the calling thread, then the
// element-wise pass in tasks of rows: the very bits of bn_train_forward / bn_train_backward.
#define BN_TASK_CHUNKS 8

typedef struct {
  const f32 *a, *b, *center, *k1, *k2, *k3;
  f32 *part, *out;
  int M, C, pair, chunks, relu;
} bn_ctx;

static void bn_sums_task(void* p, int t) {
  const bn_ctx* c = (const bn_ctx*)p;
  const int k0 = t * BN_TASK_CHUNKS, k1 = k0 + BN_TASK_CHUNKS < c->chunks ? k0 + BN_TASK_CHUNKS : c->chunks;
  kernels->bn_chunk_sums(c->a, c->b, c->center, c->part + (size_t)2 * k0 * c->C, k0, k1, c->M, c->C, c->pair);
}

static void bn_rows_task(void* p, int t) {
  const bn_ctx* c = (const bn_ctx*)p;
  const int rows = BN_TASK_CHUNKS * KD_BN_CHUNK;
  const int m0 = t * rows, m1 = m0 + rows < c->M ? m0 + rows : c->M;
  if (c->pair == 0) kernels->bn_affine_rows(c->a, c->k1, c->k2, c->out, m0, m1, c->C, c->relu);
  else kernels->bn_dx_rows(c->b, c->a, c->k1, c->k2, c->k3, c->out, m0, m1, c->C);
}

// The chunks' sums of a into part (grown once, kept), reduced into s1, s2.
static int bn_sums(bn_ctx* c, double* s1, double* s2) {
  static f32* part;
  static size_t part_floats;
  c->chunks = (c->M + KD_BN_CHUNK - 1) / KD_BN_CHUNK;
  const size_t need = (size_t)2 * c->chunks * c->C;
  if (need > part_floats) {
    free(part);
    part = (f32*)malloc(need * sizeof(f32));
    part_floats = part ? need : 0;
    if (!part) return 0;
  }
  c->part = part;
  const int tasks = (c->chunks + BN_TASK_CHUNKS - 1) / BN_TASK_CHUNKS;
  run_tasks(tasks, bn_sums_task, c, (double)c->M * c->C);
  for (int ch = 0; ch < c->C; ch++) s1[ch] = s2[ch] = 0;
  for (int k = 0; k < c->chunks; k++) {
    const f32* p1 = part + (size_t)2 * k * c->C;
    for (int ch = 0; ch < c->C; ch++) {
      s1[ch] += p1[ch];
      s2[ch] += p1[c->C + ch];
    }
  }
  return 1;
}

static void bn_rows(bn_ctx* c) {
  const int rows = BN_TASK_CHUNKS * KD_BN_CHUNK;
  run_tasks((c->M + rows - 1) / rows, bn_rows_task, c, (double)c->M * c->C);
}

static napi_value bn_train_forward(napi_env env, napi_callback_info info) {
  BEGIN(11);
  const f32 *x = P(0), *gamma = P(1), *beta = P(2);
  f32 *y = P(3), *mean = P(4), *var = P(5);
  double* scratch = P(10);
  CHECK_POINTERS();
  const int M = I(6), C = I(7);
  if (M <= 0 || C <= 0) return NULL;
  f32* scale = (f32*)(scratch + 2 * C);
  f32* shift = scale + C;
  bn_ctx c = {x, NULL, x, scale, shift, NULL, NULL, y, M, C, 0, 0, I(9)};
  if (!bn_sums(&c, scratch, scratch + C)) {
    napi_throw_error(env, NULL, "kd native kernel: out of memory");
    return NULL;
  }
  kernels->bn_forward_stats(x, gamma, beta, scratch, scratch + C, mean, var, scale, shift, M, C, F(8));
  bn_rows(&c);
  return NULL;
}

static napi_value bn_train_backward(napi_env env, napi_callback_info info) {
  BEGIN(12);
  const f32 *dy = P(0), *x = P(1), *mean = P(2), *var = P(3), *gamma = P(4);
  f32 *dx = P(5), *dgamma = P(6), *dbeta = P(7);
  double* scratch = P(11);
  CHECK_POINTERS();
  const int M = I(8), C = I(9);
  if (M <= 0 || C <= 0) return NULL;
  f32* k1 = (f32*)(scratch + 2 * C);
  bn_ctx c = {x, dy, mean, k1, k1 + C, k1 + 2 * C, NULL, dx, M, C, 1, 0};
  if (!bn_sums(&c, scratch, scratch + C)) {
    napi_throw_error(env, NULL, "kd native kernel: out of memory");
    return NULL;
  }
  kernels->bn_backward_coefs(scratch, scratch + C, mean, var, gamma, dgamma, dbeta, k1, k1 + C, k1 + 2 * C, M, C, F(10));
  bn_rows(&c);
  return NULL;
}

static napi_value ln_forward(napi_env env, napi_callback_info info) {
  BEGIN(9);
  const f32 *x = P(0), *gamma = P(1), *beta = P(2);
  f32 *y = P(3), *mean = P(4), *rstd = P(5);
  CHECK_POINTERS();
  kernels->ln_forward(x, gamma, beta, y, mean, rstd, I(6), I(7), F(8));
  return NULL;
}

static napi_value ln_backward(napi_env env, napi_callback_info info) {
  BEGIN(10);
  const f32 *dy = P(0), *x = P(1), *mean = P(2), *rstd = P(3), *gamma = P(4);
  f32 *dx = P(5), *dgamma = P(6), *dbeta = P(7);
  CHECK_POINTERS();
  kernels->ln_backward(dy, x, mean, rstd, gamma, dx, dgamma, dbeta, I(8), I(9));
  return NULL;
}

static napi_value sum_rows(napi_env env, napi_callback_info info) {
  BEGIN(4);
  const f32* x = P(0);
  f32* out = P(1);
  CHECK_POINTERS();
  kernels->sum_rows(x, out, I(2), I(3));
  return NULL;
}

// Sums over middle axes on the threads: one task per outer slice (each slice summed alone).
typedef struct {
  const f32* x;
  f32* out;
  int R, C;
  f32 divisor;
} middle_ctx;

static void sum_middle_task(void* p, int o) {
  const middle_ctx* c = (const middle_ctx*)p;
  kernels->sum_middle(c->x + (size_t)o * c->R * c->C, c->out + (size_t)o * c->C, 1, c->R, c->C, c->divisor);
}

static napi_value sum_middle(napi_env env, napi_callback_info info) {
  BEGIN(6);
  middle_ctx c = {P(0), P(1), I(3), I(4), F(5)};
  const int outer = I(2);
  CHECK_POINTERS();
  run_tasks(outer, sum_middle_task, &c, (double)outer * c.R * c.C);
  return NULL;
}

// Max pool and its gradient on the threads: one task per image (each image's windows are its own;
// max is exact, so the bits do not depend on the split).
typedef struct {
  const f32 *x, *dy;
  f32* out;
  int d[12];  // N H W C Ho Wo KH KW sh sw pt pl
} pool_ctx;

static void max_pool_task(void* p, int n) {
  const pool_ctx* c = (const pool_ctx*)p;
  const int* d = c->d;
  kernels->max_pool(c->x + (size_t)n * d[1] * d[2] * d[3], c->out + (size_t)n * d[4] * d[5] * d[3], 1, d[1], d[2], d[3],
                    d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]);
}

static void max_pool_grad_task(void* p, int n) {
  const pool_ctx* c = (const pool_ctx*)p;
  const int* d = c->d;
  const size_t image = (size_t)n * d[1] * d[2] * d[3];
  kernels->max_pool_grad(c->x + image, c->dy + (size_t)n * d[4] * d[5] * d[3], c->out + image, 1, d[1], d[2], d[3],
                         d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]);
}

// Work of one pool call in the units of PARALLEL_MIN_WORK: a compare per window element.
static double pool_work(const int* d) { return (double)d[0] * d[4] * d[5] * d[3] * d[6] * d[7]; }

static napi_value max_pool(napi_env env, napi_callback_info info) {
  BEGIN(14);
  pool_ctx c = {P(0), NULL, P(1), {0}};
  for (int i = 0; i < 12; i++) c.d[i] = I(2 + i);
  CHECK_POINTERS();
  run_tasks(c.d[0], max_pool_task, &c, pool_work(c.d));
  return NULL;
}

static napi_value max_pool_grad(napi_env env, napi_callback_info info) {
  BEGIN(15);
  pool_ctx c = {P(0), P(1), P(2), {0}};
  for (int i = 0; i < 12; i++) c.d[i] = I(3 + i);
  CHECK_POINTERS();
  run_tasks(c.d[0], max_pool_grad_task, &c, pool_work(c.d));
  return NULL;
}

static napi_value unsorted_segment_sum(napi_env env, napi_callback_info info) {
  BEGIN(6);
  const f32* x = P(0);
  const int* ids = P(1);
  f32* out = P(2);
  CHECK_POINTERS();
  kernels->unsorted_segment_sum(x, ids, out, I(3), I(4), I(5));
  return NULL;
}

static napi_value sgd_momentum_step(napi_env env, napi_callback_info info) {
  BEGIN(10);
  const f32 *w = P(0), *g = P(1), *b = P(2);
  f32 *w_out = P(3), *b_out = P(4);
  CHECK_POINTERS();
  kernels->sgd_momentum_step(w, g, b, w_out, b_out, I(5), F(6), F(7), F(8), I(9));
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Element-wise kernels and transposes: memory-bound, split into fixed ranges over the threads
// (each element is computed alone, so any split gives the same bits).

#define EW_TASK (1 << 15)  // elements per task

typedef struct {
  const f32 *a, *b;
  f32* out;
  int n, rows, cols, op, per_task;
  int kind;  // 0 binary_op, 1 binary_rows, 2 relu, 3 relu_grad, 4 transpose_blocks, 5 softmax_grad, 6 binary_cols,
             // 7 bn_affine_rows (b the scale, shift the shift, op the relu flag)
  int B, C, D;
  const f32* shift;
} ew_ctx;

static void ew_task(void* p, int t) {
  const ew_ctx* e = (const ew_ctx*)p;
  const int lo = t * e->per_task;
  switch (e->kind) {
    case 0: kernels->binary_op(e->a, e->b, e->out, lo, lo + e->per_task < e->n ? lo + e->per_task : e->n, e->op); break;
    case 1:
      kernels->binary_rows(e->a, e->b, e->out, lo, lo + e->per_task < e->rows ? lo + e->per_task : e->rows, e->cols,
                           e->op);
      break;
    case 6:
      kernels->binary_cols(e->a, e->b, e->out, lo, lo + e->per_task < e->rows ? lo + e->per_task : e->rows, e->cols,
                           e->op);
      break;
    case 2: kernels->relu(e->a, e->out, lo, lo + e->per_task < e->n ? lo + e->per_task : e->n); break;
    case 3: kernels->relu_grad(e->a, e->b, e->out, lo, lo + e->per_task < e->n ? lo + e->per_task : e->n); break;
    case 7:
      kernels->bn_affine_rows(e->a, e->b, e->shift, e->out, lo, lo + e->per_task < e->rows ? lo + e->per_task : e->rows,
                              e->cols, e->op);
      break;
    case 5:
      kernels->softmax_grad(e->a, e->b, e->out, lo, lo + e->per_task < e->rows ? lo + e->per_task : e->rows, e->cols);
      break;
    default:
      kernels->transpose_blocks(e->a, e->out, lo, lo + e->per_task < e->rows ? lo + e->per_task : e->rows, e->B, e->C,
                                e->D);
  }
}

/** Split `units` (elements or rows of `unit` elements each) into tasks of about EW_TASK elements. */
static void ew_run(ew_ctx* e, int units, int unit) {
  if (units <= 0) return;
  const int per = unit >= EW_TASK ? 1 : EW_TASK / (unit > 0 ? unit : 1);
  e->per_task = per;
  run_tasks((units + per - 1) / per, ew_task, e, (double)units * unit);
}

/**
 * The element-wise kernels over a range [i0, i1) of elements: `inputs` (1 or 2) heap offsets, the
 * output's, i0, i1, then `op` when `with_op` — shifted to the range and split over the threads.
 */
static napi_value ew_elements(napi_env env, napi_callback_info info, int kind, int inputs, int with_op) {
  BEGIN((size_t)(inputs + 3 + with_op));
  ew_ctx e = {P(0), inputs > 1 ? P(1) : NULL, P(inputs), 0, 0, 0, with_op ? I(inputs + 3) : 0, 0, kind, 0, 0, 0};
  CHECK_POINTERS();
  const int i0 = I(inputs + 1), i1 = I(inputs + 2);
  e.a += i0;
  if (e.b) e.b += i0;
  e.out += i0;
  e.n = i1 - i0;
  ew_run(&e, e.n, 1);
  return NULL;
}

static napi_value binary_op(napi_env env, napi_callback_info info) { return ew_elements(env, info, 0, 2, 1); }
static napi_value relu(napi_env env, napi_callback_info info) { return ew_elements(env, info, 2, 1, 0); }
static napi_value relu_grad(napi_env env, napi_callback_info info) { return ew_elements(env, info, 3, 2, 0); }

// Inference batch norm, y = x·scale + shift per channel (then relu when asked), over rows [m0, m1):
// (x, scale, shift, y, m0, m1, C, relu), as kd_kernels.c's bn_affine_rows, split over the threads.
static napi_value bn_affine_rows(napi_env env, napi_callback_info info) {
  BEGIN(8);
  const int m0 = I(4), C = I(6);
  ew_ctx e = {P(0), P(1), P(3), 0, 0, C, I(7), 0, 7, 0, 0, 0, P(2)};
  CHECK_POINTERS();
  e.a += (size_t)m0 * C;
  e.out += (size_t)m0 * C;
  e.rows = I(5) - m0;
  ew_run(&e, e.rows, C);
  return NULL;
}

/** binary_rows (kind 1: b per column) and binary_cols (kind 6: b per row) over rows [r0, r1). */
static napi_value binary_by_rows(napi_env env, napi_callback_info info, int kind) {
  BEGIN(7);
  ew_ctx e = {P(0), P(1), P(2), 0, 0, I(5), I(6), 0, kind, 0, 0, 0};
  CHECK_POINTERS();
  const int r0 = I(3), r1 = I(4);
  e.a += (size_t)r0 * e.cols;
  if (kind == 6) e.b += r0;
  e.out += (size_t)r0 * e.cols;
  e.rows = r1 - r0;
  ew_run(&e, e.rows, e.cols);
  return NULL;
}

static napi_value binary_rows(napi_env env, napi_callback_info info) { return binary_by_rows(env, info, 1); }
static napi_value binary_cols(napi_env env, napi_callback_info info) { return binary_by_rows(env, info, 6); }

// Sums over the trailing axes on the threads: tasks of whole rows (each row summed alone).
typedef struct {
  const f32* x;
  f32* out;
  int rows, C, per_task;
  f32 divisor;
} last_ctx;

static void sum_last_task(void* p, int t) {
  const last_ctx* c = (const last_ctx*)p;
  const int lo = t * c->per_task, hi = lo + c->per_task < c->rows ? lo + c->per_task : c->rows;
  kernels->sum_last(c->x, c->out, lo, hi, c->C, c->divisor);
}

/** sum_last(x, out, r0, r1, C, divisor): rows [r0, r1), in tasks of about EW_TASK elements. */
static napi_value sum_last(napi_env env, napi_callback_info info) {
  BEGIN(6);
  last_ctx c = {P(0), P(1), 0, I(4), 0, F(5)};
  CHECK_POINTERS();
  const int r0 = I(2), r1 = I(3);
  c.x += (size_t)r0 * c.C;
  c.out += r0;
  c.rows = r1 - r0;
  if (c.rows <= 0) return NULL;
  c.per_task = c.C >= EW_TASK ? 1 : EW_TASK / (c.C > 0 ? c.C : 1);
  run_tasks((c.rows + c.per_task - 1) / c.per_task, sum_last_task, &c, (double)c.rows * c.C);
  return NULL;
}

/** softmax_grad(y, dy, out, r0, r1, C): rows [r0, r1) split over the threads (each row alone). */
static napi_value softmax_grad(napi_env env, napi_callback_info info) {
  BEGIN(6);
  ew_ctx e = {P(0), P(1), P(2), 0, 0, I(5), 0, 0, 5, 0, 0, 0};
  CHECK_POINTERS();
  const int r0 = I(3), r1 = I(4);
  e.a += (size_t)r0 * e.cols;
  e.b += (size_t)r0 * e.cols;
  e.out += (size_t)r0 * e.cols;
  e.rows = r1 - r0;
  ew_run(&e, e.rows, e.cols);
  return NULL;
}

static napi_value transpose_blocks(napi_env env, napi_callback_info info) {
  BEGIN(7);
  ew_ctx e = {P(0), NULL, P(1), 0, 0, 0, 0, 0, 4, I(4), I(5), I(6)};
  CHECK_POINTERS();
  const int a0 = I(2), a1 = I(3);
  const size_t block = (size_t)e.B * e.C * e.D;
  e.a += a0 * block;
  e.out += a0 * block;
  e.rows = a1 - a0;
  ew_run(&e, e.rows, (int)block);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Configuration

static napi_value str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static void set(napi_env env, napi_value obj, const char* key, napi_value v) { napi_set_named_property(env, obj, key, v); }

/** info() -> { isa, gemm, threads, blas: { library, core, config } | null, blasReason } */
static napi_value get_info(napi_env env, napi_callback_info info) {
  napi_value out, n, b;
  napi_create_object(env, &out);
  set(env, out, "isa", str(env, kernels->isa));
  set(env, out, "tiles", str(env, kernels->tiles));
  set(env, out, "gemm", str(env, use_blas ? "openblas" : "own"));
  napi_create_int32(env, kd_pool_threads(), &n);
  set(env, out, "threads", n);
  if (blas.sgemm) {
    napi_create_object(env, &b);
    set(env, b, "library", str(env, blas.library));
    set(env, b, "core", str(env, blas.core));
    set(env, b, "config", str(env, blas.config));
  } else {
    napi_get_null(env, &b);
  }
  set(env, out, "blas", b);
  set(env, out, "blasReason", str(env, blas.reason));
  return out;
}

/** setThreads(n) -> threads now in use */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "setThreads(n): n must be a number");
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, kd_pool_set_threads(n), &out);
  return out;
}

/** The first argument as a string of at most n - 1 bytes; 0 when it is missing or not a string. */
static int name_arg(napi_env env, napi_callback_info info, char* out, size_t n) {
  size_t argc = 1;
  napi_value argv[1];
  out[0] = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return 0;
  return napi_get_value_string_utf8(env, argv[0], out, n, NULL) == napi_ok;
}

/** setGemm('openblas' | 'own') -> the GEMM now in use ('own' when no BLAS is loaded) */
static napi_value set_gemm(napi_env env, napi_callback_info info) {
  char name[16];
  if (!name_arg(env, info, name, sizeof name) || (strcmp(name, "openblas") != 0 && strcmp(name, "own") != 0)) {
    napi_throw_type_error(env, NULL, "setGemm(name): name must be 'openblas' or 'own'");
    return NULL;
  }
  use_blas = strcmp(name, "openblas") == 0 && blas.sgemm != NULL;
  return str(env, use_blas ? "openblas" : "own");
}

static int has_fma(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

static int has_avx512_tiles(void) {
#ifdef KD_NO_AVX512_TILES
  return 0;
#else
  return has_fma() && __builtin_cpu_supports("avx512f");
#endif
}

/** The FMA build, with 512-bit tiles when wanted and possible. */
static const kd_kernel_table* fma_table(void) {
#ifndef KD_NO_AVX512_TILES
  if (wide_tiles && has_avx512_tiles()) return &kd_kernels_fma_avx512;
#endif
  return &kd_kernels_fma;
}

/** setIsa('fma' | 'sse2') -> the build now in use (tests: both builds on an FMA machine) */
static napi_value set_isa(napi_env env, napi_callback_info info) {
  char name[16];
  if (!name_arg(env, info, name, sizeof name) || (strcmp(name, "fma") != 0 && strcmp(name, "sse2") != 0)) {
    napi_throw_type_error(env, NULL, "setIsa(name): name must be 'fma' or 'sse2'");
    return NULL;
  }
  if (strcmp(name, "fma") == 0) {
    if (!has_fma()) {
      napi_throw_error(env, NULL, "setIsa('fma'): this CPU has no AVX2/FMA");
      return NULL;
    }
    kernels = fma_table();
  } else {
    kernels = &kd_kernels_sse2;
  }
  return str(env, kernels->isa);
}

/**
 * setTiles('avx512' | 'avx2') -> the FMA build's widest convolution tiles now in use (the same
 * results either way; tests compare them, KD_NATIVE_TILES=avx2 keeps to 256-bit tiles). The SSE2
 * build has neither: it stays as it is and returns 'sse'.
 */
static napi_value set_tiles(napi_env env, napi_callback_info info) {
  char name[16];
  if (!name_arg(env, info, name, sizeof name) || (strcmp(name, "avx512") != 0 && strcmp(name, "avx2") != 0)) {
    napi_throw_type_error(env, NULL, "setTiles(name): name must be 'avx512' or 'avx2'");
    return NULL;
  }
  if (strcmp(name, "avx512") == 0 && !has_avx512_tiles()) {
    napi_throw_error(env, NULL, "setTiles('avx512'): this CPU (or this build of the addon) has no AVX-512F tiles");
    return NULL;
  }
  wide_tiles = strcmp(name, "avx512") == 0;
  if (kernels != &kd_kernels_sse2) kernels = fma_table();
  return str(env, kernels->tiles);
}

NAPI_MODULE_INIT() {
  __builtin_cpu_init();
  const char* tiles_env = getenv("KD_NATIVE_TILES");
  wide_tiles = !(tiles_env && strcmp(tiles_env, "avx2") == 0);
  kernels = has_fma() ? fma_table() : &kd_kernels_sse2;
  const char* blas_env = getenv("KD_NATIVE_BLAS");
  static const char* const none[] = {NULL};
  static const char* const openblas[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", NULL};
  const char* named[] = {blas_env, NULL};
  // OpenBLAS picks its kernels by CPU model and falls back to its AVX2 (Haswell) ones on models it
  // does not know (0.3.21 on AMD Zen 5, for one). Where the environment does not name a kernel
  // family (OPENBLAS_CORETYPE) and the CPU has what the AVX-512 (SkylakeX) kernels need, ask for
  // those; KD_NATIVE_BLAS_CORE names one for kd alone, over the environment's.
  const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                     __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                     __builtin_cpu_supports("avx512cd");
  const char* core_env = getenv("KD_NATIVE_BLAS_CORE");
  const int force = core_env && *core_env;
  const char* core = force ? core_env : avx512 ? "SkylakeX" : NULL;
  if (blas_env && strcmp(blas_env, "none") == 0) {
    blas = kd_blas_load(none, NULL, 0);
    blas.reason = "KD_NATIVE_BLAS=none";
  } else {
    blas = kd_blas_load(blas_env && *blas_env ? named : openblas, core, force);
  }
  // The products: kd's own GEMM (its 6 × 16 tiles, gemm_rows) on AVX2 CPUs without AVX-512, where
  // it was measured faster than OpenBLAS on the transformer's shapes (docs/benchmarks.md); else
  // OpenBLAS where it loaded (not measured against the 256-bit tiles on an AVX-512 CPU yet).
  // KD_NATIVE_GEMM=openblas or own chooses (e.g. to keep a sweep's numerics).
  const char* gemm_env = getenv("KD_NATIVE_GEMM");
  if (gemm_env && strcmp(gemm_env, "openblas") == 0) use_blas = blas.sgemm != NULL;
  else if (gemm_env && strcmp(gemm_env, "own") == 0) use_blas = 0;
  else use_blas = blas.sgemm != NULL && kernels != &kd_kernels_fma;  // the FMA build without 512-bit tiles: own
  // one thread until told otherwise (@kd/tfjs-runtime sets KD_THREADS or every core)
  kd_pool_set_threads(1);

  static const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"batch_matmul", batch_matmul},
      {"depthwise_filter_grad", depthwise_filter_grad},
      {"gather_conv", gather_conv},
      {"gather_conv_padded", gather_conv_padded},
      {"heads_matmul", heads_matmul},
      {"conv2d_backprop_filter", conv2d_backprop_filter},
      {"pad_nhwc", pad_nhwc},
      {"rotate_transpose_filter", rotate_transpose_filter},
      {"bn_train_forward", bn_train_forward},
      {"bn_train_backward", bn_train_backward},
      {"bn_affine_rows", bn_affine_rows},
      {"ln_forward", ln_forward},
      {"ln_backward", ln_backward},
      {"sum_rows", sum_rows},
      {"sum_middle", sum_middle},
      {"sum_last", sum_last},
      {"max_pool", max_pool},
      {"max_pool_grad", max_pool_grad},
      {"unsorted_segment_sum", unsorted_segment_sum},
      {"sgd_momentum_step", sgd_momentum_step},
      {"binary_op", binary_op},
      {"binary_rows", binary_rows},
      {"binary_cols", binary_cols},
      {"relu", relu},
      {"relu_grad", relu_grad},
      {"softmax_grad", softmax_grad},
      {"transpose_blocks", transpose_blocks},
      {"info", get_info},
      {"setThreads", set_threads},
      {"setGemm", set_gemm},
      {"setIsa", set_isa},
      {"setTiles", set_tiles},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
