#!/usr/bin/env python3
"""PyTorch twin of tools/bench/train-step.mjs: milliseconds per SGD training step of a workload.

    /usr/bin/python3 tools/bench/train_step.py <workload> <steps> <warmup> [threads=1]

Prints one JSON line {"workload", "ms": [per-step times], "cpu_per_wall": CPU time / wall time over
the measured steps} (≈ threads really busy). Needs Debian's python3-torch and libopenblas0-pthread
(without it matmuls are ~15x slower).

`threads` caps every pool PyTorch uses: torch.set_num_threads sets its own (OpenMP, oneDNN) but
not OpenBLAS's, which otherwise takes every core for matmuls even at torch.set_num_threads(1), so
OMP/OPENBLAS/MKL_NUM_THREADS are set here before torch loads (unless the caller set them).
The allocator is the caller's business: glibc's malloc returns large blocks to the OS (mmap /
munmap), and a page fault costs a lot on this VM, so run.mjs runs PyTorch with a warm allocator
(MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_) as well as with the defaults.
"""
import json
import os
import sys
import time

if __name__ == '__main__' and len(sys.argv) > 4:
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(var, sys.argv[4])

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'models', 'tools'))
from torch_twins import ResNet, SmallCnn, TransformerClassifier  # noqa: E402  (the same architectures as @kd/models)

WORKLOADS = {
    'resnet20': dict(depth=20, widths=[16, 16, 32, 64], batch=128, shape=(1, 28, 28)),
    'resnet8': dict(depth=8, widths=[16, 16, 32, 64], batch=128, shape=(1, 28, 28)),
    'cnn': dict(batch=128, shape=(1, 28, 28)),
    'transformer': dict(batch=64, shape=(48, 32)),
}


def build(name):
    """The workload's model (training mode), its SGD optimiser and a fixed random batch."""
    w = WORKLOADS[name]
    torch.manual_seed(0)
    if name == 'transformer':
        model = TransformerClassifier(*w['shape']).train()
    elif name == 'cnn':
        model = SmallCnn(16, in_ch=1).train()
    else:
        model = ResNet(w['depth'], w['widths'], 10, in_ch=w['shape'][0]).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(w['batch'], *w['shape'])
    y = torch.randint(0, 10, (w['batch'],))
    return model, opt, x, y


def main():
    name, steps, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(threads)
    model, opt, x, y = build(name)
    times = []
    wall = cpu = 0.0
    for i in range(warmup + steps):
        t = time.perf_counter()
        c = time.process_time()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
            wall += time.perf_counter() - t
            cpu += time.process_time() - c
    print(json.dumps(dict(workload=name, ms=times, cpu_per_wall=cpu / wall)))


if __name__ == '__main__':
    main()
