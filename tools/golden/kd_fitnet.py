#!/usr/bin/env python3
"""Golden values for @kd/method-kd and @kd/method-fitnet, computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/kd_fitnet.py      (from the workspace root)

Writes
  packages/method-kd/src/__fixtures__/kd.golden.json
  packages/method-fitnet/src/__fixtures__/fitnet.golden.json

Conventions
  * Inputs are drawn with torch.manual_seed in float32 (so the TypeScript side sees exactly the same
    numbers); the reference values are then computed in float64 from those float32 inputs.
  * Every array is stored flat (row-major) next to its shape, in the **TensorFlow.js layout**:
      - feature maps: torch NCHW  -> NHWC    (x.permute(0, 2, 3, 1))
      - conv weights: torch [out, in, kh, kw] -> [kh, kw, in, out] (w.permute(2, 3, 1, 0))
    Gradients are transposed the same way as the tensors they belong to.
  * KD soft term: F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='batchmean') * T^2.
  * Cross-entropy: F.cross_entropy(s, y) (mean over the batch).
  * FitNet connector = RepDistiller's ConvReg: Conv2d (bias=True; 1x1 when the spatial sizes match,
    3x3 / stride k / padding 1 when the student map is k times larger) -> BatchNorm2d in training mode
    (batch statistics, biased variance, eps 1e-5; running stats updated with momentum 0.1 and the
    unbiased variance) -> ReLU.  Kinds: conv-bn-relu (ConvReg), conv-bn (ConvReg use_relu=False), conv.
    Hint loss: F.mse_loss(connector(f_s), f_t) (mean over all elements).
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


def hwio(w):
    return w.permute(2, 3, 1, 0)


def kd_fixture():
    torch.manual_seed(0)
    b, c = 6, 10
    s = (torch.randn(b, c) * 3).float()
    t = (torch.randn(b, c) * 3).float()
    y = torch.randint(0, c, (b,))
    cases = []
    for T in (1.0, 4.0):
        sv = s.double().clone().requires_grad_(True)
        loss = F.kl_div(F.log_softmax(sv / T, 1), F.softmax(t.double() / T, 1), reduction='batchmean') * T * T
        (g,) = torch.autograd.grad(loss, sv)
        cases.append({'T': T, 'loss': loss.item(), 'gradStudent': arr(g)})
    sv = s.double().clone().requires_grad_(True)
    ce = F.cross_entropy(sv, y)
    (gce,) = torch.autograd.grad(ce, sv)
    return {
        'generator': 'tools/golden/kd_fitnet.py',
        'torch': torch.__version__,
        'student': arr(s),
        'teacher': arr(t),
        'labels': [int(v) for v in y.tolist()],
        'kd': cases,
        'crossEntropy': {'loss': ce.item(), 'gradStudent': arr(gce)},
    }


def fitnet_case(name, kind, s_shape, t_shape, seed):
    """s_shape / t_shape are NCHW."""
    torch.manual_seed(seed)
    fs = torch.randn(*s_shape).float()
    ft = torch.relu(torch.randn(*t_shape)).float()  # teacher hints are post-ReLU maps
    s_c, s_h = s_shape[1], s_shape[2]
    t_c, t_h = t_shape[1], t_shape[2]
    if s_h == t_h:
        k, stride, pad = 1, 1, 0
    else:
        assert s_h % t_h == 0
        k, stride, pad = 3, s_h // t_h, 1
    w = (torch.randn(t_c, s_c, k, k) * 0.5).float()
    bias = (torch.randn(t_c) * 0.1).float()
    gamma = (1 + 0.2 * torch.randn(t_c)).float()
    beta = (0.1 * torch.randn(t_c)).float()

    x = fs.double().clone().requires_grad_(True)
    wv = w.double().clone().requires_grad_(True)
    bv = bias.double().clone().requires_grad_(True)
    gv = gamma.double().clone().requires_grad_(True)
    btv = beta.double().clone().requires_grad_(True)
    rm = torch.zeros(t_c, dtype=torch.float64)
    rv = torch.ones(t_c, dtype=torch.float64)
    z = F.conv2d(x, wv, bv, stride=stride, padding=pad)
    if kind in ('conv-bn-relu', 'conv-bn'):
        z = F.batch_norm(z, rm, rv, gv, btv, training=True, momentum=0.1, eps=1e-5)
    if kind == 'conv-bn-relu':
        z = F.relu(z)
    loss = F.mse_loss(z, ft.double())
    params = [x, wv, bv] + ([gv, btv] if kind != 'conv' else [])
    grads = torch.autograd.grad(loss, params)
    out = {
        'name': name,
        'kind': kind,
        'kernel': k,
        'stride': stride,
        'padding': pad,
        'student': arr(nhwc(fs)),
        'teacher': arr(nhwc(ft)),
        'weights': {'conv.weight': arr(hwio(w)), 'conv.bias': arr(bias)},
        'loss': loss.item(),
        'grads': {'student': arr(nhwc(grads[0])), 'conv.weight': arr(hwio(grads[1])), 'conv.bias': arr(grads[2])},
    }
    if kind != 'conv':
        out['weights']['bn.gamma'] = arr(gamma)
        out['weights']['bn.beta'] = arr(beta)
        out['grads']['bn.gamma'] = arr(grads[3])
        out['grads']['bn.beta'] = arr(grads[4])
        out['runningAfter'] = {'bn.running_mean': arr(rm), 'bn.running_var': arr(rv)}
    return out


def fitnet_fixture():
    return {
        'generator': 'tools/golden/kd_fitnet.py',
        'torch': torch.__version__,
        'layout': 'NHWC feature maps, conv weights [kh, kw, in, out] (transposed from torch NCHW / OIHW)',
        'cases': [
            fitnet_case('equal-size conv1x1-bn-relu', 'conv-bn-relu', (4, 3, 5, 5), (4, 6, 5, 5), 1),
            fitnet_case('equal-size conv1x1-bn', 'conv-bn', (4, 3, 5, 5), (4, 6, 5, 5), 2),
            fitnet_case('equal-size conv1x1', 'conv', (4, 3, 5, 5), (4, 6, 5, 5), 3),
            fitnet_case('student 2x larger, conv3x3/s2-bn-relu', 'conv-bn-relu', (4, 3, 8, 8), (4, 5, 4, 4), 4),
        ],
    }


def write(rel, obj):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', rel)


if __name__ == '__main__':
    write('packages/method-kd/src/__fixtures__/kd.golden.json', kd_fixture())
    write('packages/method-fitnet/src/__fixtures__/fitnet.golden.json', fitnet_fixture())
