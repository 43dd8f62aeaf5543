#!/usr/bin/env python3
"""PyTorch's side of tools/bench/kernel-times.mjs: where one SGD training step of a bench workload
spends its time, operator by operator (torch.profiler, self CPU time, per step).

    /usr/bin/python3 tools/bench/torch_profile.py <workload> [steps=10] [warmup=20] [threads=1]

The model, batch and optimiser are train_step.py's. Run with the warm allocator the benchmark
uses (MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296) to compare like with like.
"""
import os
import sys
import time

if __name__ == '__main__' and len(sys.argv) > 4:
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(var, sys.argv[4])

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from train_step import WORKLOADS, build  # noqa: E402


def main():
    name = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(threads)
    model, opt, x, y = build(name)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    ms = (time.perf_counter() - t) * 1000 / steps
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(steps):
            step()
    print(f'{name} batch {WORKLOADS[name]["batch"]}: {ms:.1f} ms/step unprofiled ({steps} steps after {warmup})')
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 1000 / steps
    print(f'operators: {total:.1f} ms of self CPU time per step (profiled)')
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:25]:
        print(f'{e.key[:34]:34} {e.self_cpu_time_total / 1000 / steps:9.2f} ms  x{e.count / steps:g}')
    print('costliest operator × input shapes (per step):')
    for e in sorted(prof.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)[:25]:
        print(f'  {e.self_cpu_time_total / 1000 / steps:8.2f} ms  x{e.count / steps:<5g} {e.key} {e.input_shapes}')


if __name__ == '__main__':
    main()
