#!/usr/bin/env python3
"""Golden values for @kd/method-adain (AdaIN statistics KD, reconstruction), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/adain.py      (from the workspace root)

Writes packages/method-adain/src/__fixtures__/adain.golden.json

Conventions (as tools/golden/kd_fitnet.py): float32 inputs from torch.manual_seed, float64 reference,
NHWC feature maps, conv weights [kh, kw, in, out], Linear weights [in, out], flat data next to shapes.

Reference (methods.md §6, our reconstruction):
  connector  rho = Conv2d 1x1 (bias) -> BatchNorm2d (training mode, eps 1e-5) -> ReLU
  stats      mu = x.mean((2, 3)); sigma = sqrt(x.var((2, 3), unbiased=False) + eps)
  stat       ((mu_S - mu_T)^2).mean() + ((sigma_S - sigma_T)^2).mean()          (mean over B and C)
  AdaIN      sigma_S * (F_T - mu_T) / sigma_T + mu_S
  teacher rest (the small CNN 'cnn', width 2, resumed at stage2): max_pool2d(2) -> conv3x3 pad 1 (no bias)
             -> BatchNorm2d eval (running stats, eps 1e-5) -> ReLU -> mean over H, W -> Linear
  ain kl     F.kl_div(log_softmax(z_inj / tau), softmax(z_T / tau), 'batchmean') * tau^2, z_T = rest(F_T)
  ain ce     F.cross_entropy(z_inj, y)
Gradients w.r.t. the student feature and the connector's parameters; the teacher feature and the
teacher's weights are constants.
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
EPS = 1e-5


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def hwio(w):
    return w.permute(2, 3, 1, 0)


def stats(x, eps):
    mu = x.mean((2, 3))
    sigma = torch.sqrt(x.var((2, 3), unbiased=False) + eps)
    return mu, sigma


def adain(content, mu_s, sigma_s, eps):
    mu_t, sigma_t = stats(content, eps)
    return sigma_s[:, :, None, None] * (content - mu_t[:, :, None, None]) / sigma_t[:, :, None, None] + mu_s[:, :, None, None]


def main():
    torch.manual_seed(21)
    b, cs, ct, h, classes = 4, 3, 4, 4, 5
    fs = torch.randn(b, cs, h, h).float()
    ft = torch.relu(torch.randn(b, ct, h, h) + 0.5).float()
    y = torch.randint(0, classes, (b,))
    conn = {
        'conv.weight': (torch.randn(ct, cs, 1, 1) * 0.6).float(),
        'conv.bias': (torch.randn(ct) * 0.1).float(),
        'bn.gamma': (1 + 0.2 * torch.randn(ct)).float(),
        'bn.beta': (0.3 + 0.1 * torch.randn(ct)).float(),
    }
    rest = {
        'conv3.weight': (torch.randn(2 * ct, ct, 3, 3) * 0.3).float(),
        'bn3.gamma': (1 + 0.2 * torch.randn(2 * ct)).float(),
        'bn3.beta': (0.1 * torch.randn(2 * ct)).float(),
        'bn3.running_mean': (0.2 * torch.randn(2 * ct)).float(),
        'bn3.running_var': (1 + 0.3 * torch.rand(2 * ct)).float(),
        'fc.weight': (torch.randn(classes, 2 * ct) * 0.5).float(),
        'fc.bias': (torch.randn(classes) * 0.1).float(),
    }
    r = {k: v.double() for k, v in rest.items()}

    def teacher_rest(x):
        z = F.max_pool2d(x, 2)
        z = F.conv2d(z, r['conv3.weight'], padding=1)
        z = F.batch_norm(z, r['bn3.running_mean'], r['bn3.running_var'], r['bn3.gamma'], r['bn3.beta'], training=False, eps=EPS)
        z = torch.relu(z).mean((2, 3))
        return F.linear(z, r['fc.weight'], r['fc.bias'])

    ftd = ft.double()
    z_t = teacher_rest(ftd)
    mu_t, sigma_t = stats(ftd, EPS)

    def connected(x, p):
        z = F.conv2d(x, p['conv.weight'], p['conv.bias'])
        z = F.batch_norm(z, torch.zeros(ct, dtype=torch.float64), torch.ones(ct, dtype=torch.float64), p['bn.gamma'], p['bn.beta'], training=True, eps=EPS)
        return torch.relu(z)

    def run(loss_fn):
        x = fs.double().clone().requires_grad_(True)
        p = {k: v.double().clone().requires_grad_(True) for k, v in conn.items()}
        loss = loss_fn(connected(x, p))
        names = list(p.keys())
        grads = torch.autograd.grad(loss, [x] + [p[k] for k in names])
        g = {'student': arr(nhwc(grads[0]))}
        for k, gr in zip(names, grads[1:]):
            g[k] = arr(hwio(gr)) if k == 'conv.weight' else arr(gr)
        return {'loss': loss.item(), 'grads': g}

    def stat_loss(fsp):
        mu_s, sigma_s = stats(fsp, EPS)
        return ((mu_s - mu_t) ** 2).mean() + ((sigma_s - sigma_t) ** 2).mean()

    def injected(fsp):
        mu_s, sigma_s = stats(fsp, EPS)
        return teacher_rest(adain(ftd, mu_s, sigma_s, EPS))

    def kl(tau):
        return lambda fsp: F.kl_div(F.log_softmax(injected(fsp) / tau, 1), F.softmax(z_t / tau, 1), reduction='batchmean') * tau * tau

    with torch.no_grad():
        fsp = connected(fs.double(), {k: v.double() for k, v in conn.items()})
        mu_s, sigma_s = stats(fsp, EPS)
        out_adain = adain(ftd, mu_s, sigma_s, EPS)
        z_inj = teacher_rest(out_adain)

    fixture = {
        'generator': 'tools/golden/adain.py',
        'torch': torch.__version__,
        'eps': EPS,
        'student': arr(nhwc(fs)),
        'teacher': arr(nhwc(ft)),
        'labels': [int(v) for v in y.tolist()],
        'connector': {k: (arr(hwio(v)) if k == 'conv.weight' else arr(v)) for k, v in conn.items()},
        'teacherRest': {k: (arr(hwio(v)) if k == 'conv3.weight' else arr(v.t() if k == 'fc.weight' else v)) for k, v in rest.items()},
        'teacherLogits': arr(z_t),
        'connected': arr(nhwc(fsp)),
        'studentStats': {'mean': arr(mu_s), 'std': arr(sigma_s)},
        'teacherStats': {'mean': arr(mu_t), 'std': arr(sigma_t)},
        'adain': arr(nhwc(out_adain)),
        'injectedLogits': arr(z_inj),
        'stat': run(stat_loss),
        'ain': [
            {'judge': 'kl', 'tau': 4.0, **run(kl(4.0))},
            {'judge': 'kl', 'tau': 1.0, **run(kl(1.0))},
            {'judge': 'ce', 'tau': 4.0, **run(lambda fsp: F.cross_entropy(injected(fsp), y))},
        ],
    }
    path = os.path.join(ROOT, 'packages/method-adain/src/__fixtures__/adain.golden.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT))


if __name__ == '__main__':
    main()
