#!/usr/bin/env python3
"""Golden values for @kd/method-vild (ViLD-image's L1 term), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/vild_image.py      (from the workspace root)

Writes packages/method-vild/src/__fixtures__/vild-image.golden.json

The reference follows the official code's form (tensorflow/tpu models/official/detection/projects/vild,
the feature-distillation loss): an absolute difference per element, weighted by the proposal mask
broadcast over D, reduced SUM_BY_NONZERO_WEIGHTS (sum / number of non-zero weights, 0 when there are
none) and multiplied by D (512 there) — which is the per-proposal L1 sum averaged over the valid
proposals of the batch. The teacher embeddings are L2-normalised first (normalize_feat_during_training);
the student's are its projected region embeddings, L2-normalised (the detector's projection output).

Inputs are drawn with torch.manual_seed in float32; the reference is computed in float64 from them.
Arrays are stored flat (row-major) next to their shape.
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def official_form(e, mask, v, normalize_teacher):
    """|e - v| weighted by the mask over every element, SUM_BY_NONZERO_WEIGHTS, times D."""
    d = e.shape[-1]
    target = F.normalize(v, dim=-1) if normalize_teacher else v
    weights = mask.unsqueeze(-1).expand_as(e)
    nonzero = (weights != 0).sum()
    total = (torch.abs(e - target) * weights).sum()
    loss = total / nonzero if nonzero > 0 else total * 0
    return loss * d


def case(name, seed, b, m, d, mask, normalize_teacher):
    g = torch.Generator().manual_seed(seed)
    projected = torch.randn(b, m, d, generator=g, dtype=torch.float32)
    teacher = torch.randn(b, m, d, generator=g, dtype=torch.float32) * 3
    mask_t = torch.tensor(mask, dtype=torch.float32)
    p = projected.to(torch.float64).requires_grad_(True)
    e = F.normalize(p, dim=-1)
    loss = official_form(e, mask_t.to(torch.float64), teacher.to(torch.float64), normalize_teacher)
    loss.backward()
    return {
        'name': name,
        'normalizeTeacher': normalize_teacher,
        'projected': arr(projected),
        'teacher': arr(teacher),
        'mask': arr(mask_t),
        'loss': float(loss),
        'gradProjected': arr(p.grad),
    }


cases = [
    case('padded proposals, teacher normalised', 1, 2, 4, 6, [[1, 1, 0, 1], [1, 0, 0, 0]], True),
    case('every proposal valid, teacher normalised', 2, 3, 2, 5, [[1, 1], [1, 1], [1, 1]], True),
    case('padded proposals, teacher as given', 3, 2, 3, 4, [[0, 1, 1], [1, 1, 0]], False),
    case('no valid proposal', 4, 2, 2, 3, [[0, 0], [0, 0]], True),
]
out_path = os.path.join(ROOT, 'packages', 'method-vild', 'src', '__fixtures__', 'vild-image.golden.json')
os.makedirs(os.path.dirname(out_path), exist_ok=True)
with open(out_path, 'w') as f:
    json.dump({'cases': cases}, f, indent=1)
    f.write('\n')
print('wrote', os.path.relpath(out_path, ROOT), [round(c['loss'], 6) for c in cases])
