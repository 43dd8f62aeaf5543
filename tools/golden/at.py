#!/usr/bin/env python3
"""Golden values for @kd/method-at (attention transfer), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/at.py      (from the workspace root)

Writes packages/method-at/src/__fixtures__/at.golden.json

Conventions (as tools/golden/kd_fitnet.py): float32 inputs from torch.manual_seed, float64 reference,
feature maps stored NHWC (torch NCHW permuted), flat row-major data next to the shape.

Reference = the official attention-transfer code (szagoruyko/attention-transfer, utils.py and the
training loss of cifar.py / imagenet.py), restated:
  at(x)        = F.normalize(x.pow(2).mean(1).view(B, -1))       (official: power 2, hard-coded)
  at_loss(x,y) = (at(x) - at(y)).pow(2).mean()
  term         = beta * sum over pairs of at_loss(student_i, teacher_i)
                 (cifar.py / imagenet.py: opt.beta * sum(loss_groups); README: --beta 1e+3)
There is no /2 in the official code; the paper's equation writes beta/2, the code (and RepDistiller's
-b 1000, torchdistill's weight 1000) uses beta * sum.
For p != 2 we use mean_c |x|^p with p a hyperparameter, following RepDistiller's generalisation
(Attention: f.pow(self.p).mean(1), p = 2); |x|^p equals x.pow(p) for p = 2 and for non-negative maps.
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def at(x, p):
    return F.normalize(x.abs().pow(p).mean(1).view(x.size(0), -1))


def case(name, p, beta, shapes, seed, relu):
    """shapes: list of (student NCHW, teacher NCHW) pairs with equal H, W."""
    torch.manual_seed(seed)
    students, teachers = [], []
    for s_shape, t_shape in shapes:
        s = torch.randn(*s_shape)
        t = torch.randn(*t_shape)
        if relu:
            s, t = torch.relu(s), torch.relu(t)
        students.append(s.float())
        teachers.append(t.float())
    xs = [s.double().clone().requires_grad_(True) for s in students]
    parts = [(at(x, p) - at(t.double(), p)).pow(2).mean() for x, t in zip(xs, teachers)]
    loss = beta * sum(parts)
    grads = torch.autograd.grad(loss, xs)
    return {
        'name': name,
        'p': p,
        'beta': beta,
        'students': [arr(nhwc(s)) for s in students],
        'teachers': [arr(nhwc(t)) for t in teachers],
        'maps': [arr(at(s.double(), p)) for s in students],
        'parts': [v.item() for v in parts],
        'loss': loss.item(),
        'grads': [arr(nhwc(g)) for g in grads],
    }


if __name__ == '__main__':
    out = {
        'generator': 'tools/golden/at.py',
        'torch': torch.__version__,
        'cases': [
            case('three stages, p=2, beta=1e3 (post-ReLU maps)', 2.0, 1000.0,
                 [((4, 3, 8, 8), (4, 6, 8, 8)), ((4, 5, 4, 4), (4, 8, 4, 4)), ((4, 7, 2, 2), (4, 4, 2, 2))], 11, True),
            case('one pair, p=2, signed maps', 2.0, 2.0, [((3, 4, 5, 5), (3, 2, 5, 5))], 12, False),
            case('one pair, p=3 (|F|^3), signed maps', 3.0, 1000.0, [((3, 4, 6, 6), (3, 5, 6, 6))], 13, False),
        ],
    }
    path = os.path.join(ROOT, 'packages/method-at/src/__fixtures__/at.golden.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT))
