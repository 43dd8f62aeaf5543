#!/usr/bin/env python3
"""Golden values for ViLD-text's region classifier (@kd/models text-region-classifier.ts), with PyTorch.

Run:  /usr/bin/python3 tools/golden/vild_text.py      (from the workspace root)
Writes packages/models/test/fixtures/vild-text.golden.json

Region embeddings v [N, D] (the projection's output, not normalised), class text embeddings t [K, D]
and a background embedding b [D]; every one is L2-normalised, and
    logits = [cos(v, b), cos(v, t_1), ..., cos(v, t_K)] / tau.
In training the novel classes' logits are multiplied by a 0/1 mask ('mask', ViLD's code: logit 0) or
left out of the softmax ('remove'). The loss is the detection task's: softmax cross-entropy over the
K + 1 columns against labels y (0 = background; only base classes and background occur), mean over
the regions. Gradients w.r.t. v and b. Inputs float32 from torch.manual_seed; the reference runs in
float64.
"""
import json
import os

import torch

torch.manual_seed(16)
N, D, K, TAU = 6, 5, 4, 0.01
NOVEL = [1, 3]  # 0-based classes; columns 2 and 4
v = torch.randn(N, D)
t = torch.randn(K, D)
b = torch.randn(D)
y = torch.tensor([0, 1, 3, 0, 1, 0])  # background, class 0 (column 1), class 2 (column 3), ...

flat = lambda x: [float(a) for a in x.detach().reshape(-1)]


def logits_of(v, b, mode):
    n = lambda x: x / x.norm(dim=-1, keepdim=True)
    classes = torch.cat([n(b).unsqueeze(0), n(t.double())], 0)
    z = n(v) @ classes.T / TAU
    if mode is None:
        return z
    keep = torch.ones(K + 1, dtype=torch.float64)
    for k in NOVEL:
        keep[k + 1] = 0
    if mode == 'mask':
        return z * keep
    # remove: the softmax runs over background and base columns only
    return z[:, keep.bool()]


base_column = {c: i for i, c in enumerate([0] + [k + 1 for k in range(K) if k not in NOVEL])}
out = {
    'tau': TAU,
    'novel': NOVEL,
    'v': {'shape': [N, D], 'data': flat(v)},
    't': {'shape': [K, D], 'data': flat(t)},
    'b': {'shape': [D], 'data': flat(b)},
    'y': [int(a) for a in y],
    'cases': [],
}
for mode in [None, 'mask', 'remove']:
    vd = v.double().clone().requires_grad_(True)
    bd = b.double().clone().requires_grad_(True)
    z = logits_of(vd, bd, mode)
    target = torch.tensor([base_column[int(a)] for a in y]) if mode == 'remove' else y
    loss = torch.nn.functional.cross_entropy(z, target)
    loss.backward()
    out['cases'].append({
        'mode': mode or 'eval',
        'logits': flat(z) if mode != 'remove' else None,  # remove: the kept columns are the eval logits
        'loss': float(loss),
        'gradV': flat(vd.grad),
        'gradB': flat(bd.grad),
    })

path = os.path.join('packages', 'models', 'test', 'fixtures', 'vild-text.golden.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
