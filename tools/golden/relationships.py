#!/usr/bin/env python3
"""Golden values for the relationships task's loss terms (@kd/tasks relationship-losses.ts),
computed with PyTorch the way RVL-BERT's code sets them up (coldmanck/RVL-BERT, read, not copied).

Run:  /usr/bin/python3 tools/golden/relationships.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/relationships.golden.json

Relation logits [B, Q, 1 + N]: column 0 = background, column 1 + k = predicate k.
  * ce, target 'triples' (VRD loader: one training row per annotated (subject, predicate, object);
    a real pair with no predicate is one background row, class 0):
      F.cross_entropy(logits[row pair], row class), mean over the rows
  * ce, target 'primary': one row per real pair, class 1 + primary (0 for a pair with no predicate)
  * bce (SpatialSense: the logit of the queried predicate against True/False, for every predicate):
      F.binary_cross_entropy_with_logits(logits[real pairs, 1:], holds), mean over real pairs x N
Padded pairs (pairMask 0) give no row. Inputs float32 from torch.manual_seed; references in
float64; gradients w.r.t. the logits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(13)
B, Q, N = 2, 6, 4
C = N + 1
logits = (torch.randn(B, Q, C) * 2).float()
# scene 0: 5 real pairs (one with no predicate: background), scene 1: 3 real pairs, rest padding
mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]]).float()
holds = torch.zeros(B, Q, N)
holds[0, 0, [0, 2]] = 1   # two predicates
holds[0, 1, 1] = 1
holds[0, 2, [1, 3]] = 1
# holds[0, 3] stays empty: a real pair with no predicate → background
holds[0, 4, 3] = 1
holds[1, 0, 0] = 1
holds[1, 1, [0, 1, 2]] = 1  # three predicates
holds[1, 2, 2] = 1
holds[0, 5, 1] = 1          # padding: ignored whatever it says
primary = torch.full((B, Q), -1, dtype=torch.long)
primary[0, 0], primary[0, 1], primary[0, 2], primary[0, 4] = 2, 1, 3, 3
primary[1, 0], primary[1, 1], primary[1, 2] = 0, 1, 2


def rows(target):
    pair_rows, classes = [], []
    for b in range(B):
        for q in range(Q):
            if mask[b, q] == 0:
                continue
            flat = b * Q + q
            held = [k for k in range(N) if holds[b, q, k] == 1]
            if not held:
                pair_rows.append(flat)
                classes.append(0)
            elif target == 'triples':
                for k in held:
                    pair_rows.append(flat)
                    classes.append(1 + k)
            else:
                pair_rows.append(flat)
                classes.append(1 + int(primary[b, q]))
    return torch.tensor(pair_rows), torch.tensor(classes)


flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
arr = lambda t: {'shape': list(t.shape), 'data': flat(t)}
out = {'logits': arr(logits), 'pairMask': arr(mask), 'pairPredicates': arr(holds),
       'pairPredicate': {'shape': list(primary.shape), 'data': [int(v) for v in primary.reshape(-1)]}}
for target in ['triples', 'primary']:
    z = logits.double().requires_grad_(True)
    r, c = rows(target)
    loss = F.cross_entropy(z.reshape(B * Q, C)[r], c)
    (g,) = torch.autograd.grad(loss, z)
    out[f'ce_{target}'] = {'loss': float(loss), 'rows': len(r), 'grad': arr(g)}
z = logits.double().requires_grad_(True)
real = mask.reshape(-1) == 1
bce = F.binary_cross_entropy_with_logits(z.reshape(B * Q, C)[real][:, 1:], holds.double().reshape(B * Q, N)[real])
(g,) = torch.autograd.grad(bce, z)
out['bce'] = {'loss': float(bce), 'grad': arr(g)}

# SpatialSense triple verification (RVL-BERT spasen/modules: logit = (logits * onehot(pred)).sum(-1),
# BCEWithLogits against the True/False label, mean over the batch's queries), over the real pair slots
gen = torch.Generator().manual_seed(11)
query = torch.randint(0, N, (B, Q), generator=gen)
query[mask == 0] = -1
truth = torch.randint(0, 2, (B, Q), generator=gen).float() * mask
z = logits.double().requires_grad_(True)
onehot = F.one_hot(query.clamp(min=0) + 1, C).double()
queried = (z * onehot).sum(-1).reshape(-1)[real]
qbce = F.binary_cross_entropy_with_logits(queried, truth.double().reshape(-1)[real])
(g,) = torch.autograd.grad(qbce, z)
out['pairQuery'] = {'shape': list(query.shape), 'data': [int(v) for v in query.reshape(-1)]}
out['pairTruth'] = arr(truth)
out['queried_bce'] = {'loss': float(qbce), 'grad': arr(g)}

path = 'packages/tasks/src/__fixtures__/relationships.golden.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
