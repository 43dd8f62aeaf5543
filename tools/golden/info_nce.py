#!/usr/bin/env python3
"""Golden values for infoNce (@kd/core, packages/core/src/ops/info-nce.ts), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/info_nce.py      (from the workspace root)

Writes
  packages/core/test/fixtures/info-nce.json

Conventions (as tools/golden/kd_fitnet.py)
  * Inputs are drawn with torch.manual_seed in float32 (the TypeScript side sees exactly the same
    numbers); reference values are computed in float64 from those float32 inputs.
  * Arrays are stored flat (row-major) next to their shape.
  * Loss (symmetric InfoNCE / CLIP):
        a, b   = F.normalize(a, dim=1), F.normalize(b, dim=1)     (unless normalize is False)
        logits = a @ b.T / tau
        loss   = (CE(logits, arange N) + CE(logits.T, arange N)) / 2
    With a 0/1 targets matrix M (positives beyond the diagonal) each direction uses soft targets,
    the rows of M (a->b) or of M.T (b->a) normalised to sum 1, and the soft cross-entropy
    -(q * log_softmax(logits, 1)).sum(1).mean().
  * Gradients: w.r.t. a, b and tau (tau as a float64 tensor requiring grad).
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'core', 'test', 'fixtures', 'info-nce.json')


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def soft_ce(logits, q):
    return -(q * F.log_softmax(logits, 1)).sum(1).mean()


def info_nce(a, b, tau, normalize=True, targets=None):
    if normalize:
        a = F.normalize(a, dim=1)
        b = F.normalize(b, dim=1)
    logits = a @ b.T / tau
    n = a.shape[0]
    if targets is None:
        idx = torch.arange(n)
        return (F.cross_entropy(logits, idx) + F.cross_entropy(logits.T, idx)) / 2
    m = targets.to(logits.dtype)
    q_ab = m / m.sum(1, keepdim=True)
    q_ba = m.T / m.T.sum(1, keepdim=True)
    return (soft_ce(logits, q_ab) + soft_ce(logits.T, q_ba)) / 2


def case(name, seed, n, d, tau, normalize=True, targets_kind=None, scale=1.0):
    torch.manual_seed(seed)
    a = (torch.randn(n, d) * scale).float()
    b = (torch.randn(n, d) * scale).float()
    targets = None
    labels = None
    if targets_kind == 'same-class':
        labels = torch.randint(0, 3, (n,))
        targets = (labels[:, None] == labels[None, :]).float()
    elif targets_kind == 'asymmetric':
        # diagonal plus a few extra, non-symmetric positives: pins down the b->a normalisation (M.T rows)
        targets = torch.eye(n)
        extra = (torch.rand(n, n) < 0.25).float()
        targets = torch.clamp(targets + extra, max=1.0)
    av = a.double().clone().requires_grad_(True)
    bv = b.double().clone().requires_grad_(True)
    tv = torch.tensor(tau, dtype=torch.float64, requires_grad=True)
    loss = info_nce(av, bv, tv, normalize, targets)
    ga, gb, gt = torch.autograd.grad(loss, (av, bv, tv))
    out = {
        'name': name,
        'temperature': tau,
        'normalize': normalize,
        'a': arr(a),
        'b': arr(b),
        'targets': arr(targets) if targets is not None else None,
        'loss': loss.item(),
        'gradA': arr(ga),
        'gradB': arr(gb),
        'gradTemperature': gt.item(),
    }
    if labels is not None:
        out['labels'] = [int(v) for v in labels.tolist()]
    return out


def main():
    cases = [
        case('diagonal tau=0.07', 0, 8, 16, 0.07),
        case('diagonal tau=1', 1, 8, 16, 1.0),
        case('same-class tau=0.07', 2, 8, 16, 0.07, targets_kind='same-class'),
        case('same-class tau=1', 3, 8, 16, 1.0, targets_kind='same-class'),
        case('asymmetric targets tau=0.07', 4, 6, 5, 0.07, targets_kind='asymmetric'),
        case('unnormalised tau=1', 5, 5, 4, 1.0, normalize=False, scale=0.5),
    ]
    fixture = {'generator': 'tools/golden/info_nce.py', 'torch': torch.__version__, 'cases': cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT, ROOT)} ({len(cases)} cases)')


if __name__ == '__main__':
    main()
