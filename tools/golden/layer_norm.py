#!/usr/bin/env python3
"""Golden values for @kd/core's layerNorm (fused and composed), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/layer_norm.py      (from the workspace root)
Writes packages/core/test/fixtures/layer-norm.json

  y = F.layer_norm(x, [C], gamma, beta, eps=1e-5) for x [2, 3, C], C = 10 (not a multiple of 4);
  loss = sum(y * w); gradients w.r.t. x, gamma and beta.
  Inputs float32 from torch.manual_seed (x with a large common offset); references in float64.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(11)
shape = [2, 3, 10]
x = (torch.randn(*shape) * 2 + 5).float()
gamma = (torch.randn(10) * 0.5 + 1).float()
beta = (torch.randn(10) * 0.5).float()
w = torch.randn(*shape).float()

xd, gd, bd = (t.double().requires_grad_(True) for t in (x, gamma, beta))
y = F.layer_norm(xd, [10], gd, bd, eps=1e-5)
gx, gg, gb = torch.autograd.grad((y * w.double()).sum(), (xd, gd, bd))

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {'shape': shape, 'eps': 1e-5, 'x': flat(x), 'gamma': flat(gamma), 'beta': flat(beta), 'w': flat(w),
       'y': flat(y), 'dx': flat(gx), 'dgamma': flat(gg), 'dbeta': flat(gb)}
path = 'packages/core/test/fixtures/layer-norm.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
