// A small pool of worker threads for the kernels. Work is split into tasks that are a function of
// the shapes only (never of the number of threads), each task writes its own part of the output,
// and partial sums are reduced in task order: results are bitwise the same for any thread count.
#ifndef KD_POOL_H
#define KD_POOL_H

typedef void (*kd_task_fn)(void* ctx, int task);

/** Run fn(ctx, 0..tasks-1) on up to kd_pool_threads() threads (the caller is one of them). */
void kd_parallel_for(int tasks, kd_task_fn fn, void* ctx);

/** Use n threads from now on (1 = the calling thread only); returns the number in use. */
int kd_pool_set_threads(int n);
int kd_pool_threads(void);

#endif
