#!/usr/bin/env python3
"""Golden values for the task losses (@kd/core crossEntropy for the classification task,
binaryCrossEntropyWithLogits for the multi-label task), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/task_loss.py      (from the workspace root)
Writes packages/core/test/fixtures/task-loss.json

  * class labels [B]:        F.cross_entropy(logits, y)
  * multi-hot labels [B, K]: F.binary_cross_entropy_with_logits(logits, y) (mean over B·K)
  Inputs float32 from torch.manual_seed; references in float64; gradients w.r.t. the logits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(5)
B, K = 4, 6
logits = (torch.randn(B, K) * 3).float()
labels = torch.tensor([1, 0, 5, 3])
multi = (torch.rand(B, K) < 0.4).float()

z = logits.double().requires_grad_(True)
ce = F.cross_entropy(z, labels)
(g_ce,) = torch.autograd.grad(ce, z)
z2 = logits.double().requires_grad_(True)
bce = F.binary_cross_entropy_with_logits(z2, multi.double())
(g_bce,) = torch.autograd.grad(bce, z2)

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {'shape': [B, K], 'logits': flat(logits), 'labels': [int(v) for v in labels], 'multiHot': flat(multi),
       'ce': float(ce), 'gradCe': flat(g_ce), 'bce': float(bce), 'gradBce': flat(g_bce)}
path = 'packages/core/test/fixtures/task-loss.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
