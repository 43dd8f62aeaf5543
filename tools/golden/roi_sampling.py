#!/usr/bin/env python3
"""Golden values for the RoI / anchor sampling rules (@kd/tasks detection/region-sampling.ts),
computed with torchvision's BalancedPositiveNegativeSampler (the sampler of torchvision's
RoIHeads and RegionProposalNetwork; the TPU detection code that ViLD uses samples by the same rule).

Run:  /usr/bin/python3 tools/golden/roi_sampling.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/roi-sampling.golden.json

For each case (labels: -1 ignored, 0 background, >= 1 foreground; per-image count; foreground
fraction) and 300 seeds: the number of foreground and background regions drawn (the same for every
seed), and the union over the seeds of the drawn indices (every candidate of a class that is
subsampled is drawn by some seed; an ignored region never). The draw itself is random and not
compared (torch.randperm vs kd's Rng).
"""
import json
import os

import torch
from torchvision.models.detection._utils import BalancedPositiveNegativeSampler

CASES = [
    # (labels, per image, fraction)
    ([1, 0, 0, 2, -1, 0, 0, 3, 0, 0], 4, 0.25),
    ([1, 0, 0, 2, -1, 0, 0, 3, 0, 0], 32, 0.25),
    ([1, 1, 1, 0], 4, 0.5),
    ([0, 0, 0, 0, 0, -1, -1], 4, 0.25),
    ([5, 5, 5, 5, 5, 5, 0], 4, 0.25),
    ([-1, -1, -1], 8, 0.5),
    ([1] * 40 + [0] * 200 + [-1] * 10, 64, 0.25),
    ([1] * 3 + [0] * 1000, 256, 0.5),
    ([1] * 300 + [0] * 300, 256, 0.5),
    ([2, 0, 1, 0, 3, 0, -1, 0], 5, 0.3),
]

out = []
for labels, per_image, fraction in CASES:
    sampler = BalancedPositiveNegativeSampler(per_image, fraction)
    t = torch.tensor(labels, dtype=torch.int64)
    counts = set()
    drawn = set()
    for seed in range(300):
        torch.manual_seed(seed)
        (pos,), (neg,) = sampler([t])
        p = pos.nonzero().flatten().tolist()
        n = neg.nonzero().flatten().tolist()
        counts.add((len(p), len(n)))
        drawn.update(p)
        drawn.update(n)
    assert len(counts) == 1, counts
    fg, bg = counts.pop()
    out.append({
        'labels': labels, 'perImage': per_image, 'foregroundFraction': fraction,
        'foreground': fg, 'background': bg, 'drawn': sorted(drawn),
    })

path = os.path.join('packages', 'tasks', 'src', '__fixtures__', 'roi-sampling.golden.json')
with open(path, 'w') as f:
    json.dump({'source': 'torchvision BalancedPositiveNegativeSampler, 300 seeds per case', 'cases': out}, f)
print(f'wrote {path}: {len(out)} cases')
