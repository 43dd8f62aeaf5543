#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define KD_MAX_THREADS 64

static struct {
  pthread_mutex_t mu;
  pthread_cond_t go;
  pthread_cond_t done;
  unsigned long generation;  // bumped for every parallel_for that uses the workers
  int busy;                  // workers still inside the current generation
  int workers;               // started worker threads (threads - 1)
  int threads;               // threads in use, the caller included
  kd_task_fn fn;
  void* ctx;
  int tasks;
  atomic_int next;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 1, 0, 0, 0, 0};

static void run_tasks(void) {
  for (;;) {
    const int t = atomic_fetch_add(&pool.next, 1);
    if (t >= pool.tasks) return;
    pool.fn(pool.ctx, t);
  }
}

static void* worker(void* arg) {
  const int index = (int)(long)arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.generation == seen) pthread_cond_wait(&pool.go, &pool.mu);
    seen = pool.generation;
    if (index >= pool.threads - 1) continue;  // not part of this round (threads were lowered)
    pthread_mutex_unlock(&pool.mu);
    run_tasks();
    pthread_mutex_lock(&pool.mu);
    if (--pool.busy == 0) pthread_cond_signal(&pool.done);
  }
  return NULL;
}

int kd_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > KD_MAX_THREADS) n = KD_MAX_THREADS;
  pthread_mutex_lock(&pool.mu);
  while (pool.workers < n - 1) {
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    const int failed = pthread_create(&tid, &attr, worker, (void*)(long)pool.workers);
    pthread_attr_destroy(&attr);
    if (failed) break;
    pool.workers++;
  }
  pool.threads = pool.workers + 1 < n ? pool.workers + 1 : n;
  pthread_mutex_unlock(&pool.mu);
  return pool.threads;
}

int kd_pool_threads(void) { return pool.threads; }

void kd_parallel_for(int tasks, kd_task_fn fn, void* ctx) {
  if (tasks <= 0) return;
  if (tasks == 1 || pool.threads <= 1) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
    return;
  }
  pthread_mutex_lock(&pool.mu);
  pool.fn = fn;
  pool.ctx = ctx;
  pool.tasks = tasks;
  atomic_store(&pool.next, 0);
  pool.busy = pool.threads - 1;
  pool.generation++;
  pthread_cond_broadcast(&pool.go);
  pthread_mutex_unlock(&pool.mu);
  run_tasks();
  pthread_mutex_lock(&pool.mu);
  while (pool.busy > 0) pthread_cond_wait(&pool.done, &pool.mu);
  pthread_mutex_unlock(&pool.mu);
}
