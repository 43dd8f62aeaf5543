#!/usr/bin/env python3
"""Golden values for @kd/method-vlm-kd (VLM-KD), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/vlm_kd.py      (from the workspace root)

Writes packages/method-vlm-kd/src/__fixtures__/vlm_kd.golden.json

Conventions (as tools/golden/kd_fitnet.py)
  * Inputs drawn with torch.manual_seed in float32; references computed in float64 from them.
  * Linear weights are stored in the TensorFlow.js layout [in, out] (torch's weight.T).
  * Text path:  u = normalize(W2ᵀ relu(W1ᵀ t + b1) + b2)          (the 2-layer adaptor)
    Image path: v = normalize(Pᵀ s + p)  (projection 'linear')  or  normalize(s)  ('identity')
    logits = v uᵀ / τ  [B, B]  (image rows, caption columns)
  * Same-class modes (y = labels):
      diagonal  : ½ (CE(logits, arange B) + CE(logitsᵀ, arange B))
      positives : soft targets q = 1[y_i = y_j] / row sums, in both directions (as @kd/core infoNce)
      masked    : logits of same-class pairs off the diagonal are removed from both softmaxes
                  (set to -inf), then the diagonal CE as in 'diagonal'
  * Balanced softmax: CE(z + log π, y), π_k = n_k / Σ n (training label counts).
  * Vision KD: F.kl_div(log_softmax(s/T), softmax(t/T), 'batchmean') · T²; with vkdPrior 'student'
    the student's logits are s + log π.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def contrastive(v, u, tau, y, mode):
    logits = v @ u.T / tau
    b = logits.shape[0]
    eye = torch.eye(b, dtype=torch.bool)
    same = y[:, None] == y[None, :]
    if mode == 'diagonal':
        t = torch.arange(b)
        return 0.5 * (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t))
    if mode == 'positives':
        q = same.double()
        q1 = q / q.sum(1, keepdim=True)
        q2 = q.T / q.T.sum(1, keepdim=True)
        l1 = -(q1 * F.log_softmax(logits, 1)).sum(1).mean()
        l2 = -(q2 * F.log_softmax(logits.T, 1)).sum(1).mean()
        return 0.5 * (l1 + l2)
    if mode == 'masked':
        drop = same & ~eye
        masked = logits.masked_fill(drop, float('-inf'))
        t = torch.arange(b)
        return 0.5 * (F.cross_entropy(masked, t) + F.cross_entropy(masked.T, t))
    raise ValueError(mode)


def text_cases():
    torch.manual_seed(0)
    b, es, et, h, d = 6, 5, 4, 7, 3
    s = torch.randn(b, es).float()
    t = F.normalize(torch.randn(b, et), dim=1).float()  # frozen CLIP text embeddings are normalised
    y = torch.tensor([0, 1, 0, 2, 1, 0])
    w1 = (torch.randn(et, h) * 0.5).float()
    b1 = (torch.randn(h) * 0.1).float()
    w2 = (torch.randn(h, d) * 0.5).float()
    b2 = (torch.randn(d) * 0.1).float()
    p = (torch.randn(es, d) * 0.5).float()
    pb = (torch.randn(d) * 0.1).float()
    # identity projection: the adaptor maps to the student's width
    w2i = (torch.randn(h, es) * 0.5).float()
    b2i = (torch.randn(es) * 0.1).float()
    cases = []
    for projection in ('linear', 'identity'):
        for mode in ('diagonal', 'positives', 'masked'):
            for tau in (0.07, 0.5):
                leaves = {
                    'student': s.double().clone().requires_grad_(True),
                    'adaptor.fc1.weight': w1.double().clone().requires_grad_(True),
                    'adaptor.fc1.bias': b1.double().clone().requires_grad_(True),
                    'adaptor.fc2.weight': (w2 if projection == 'linear' else w2i).double().clone().requires_grad_(True),
                    'adaptor.fc2.bias': (b2 if projection == 'linear' else b2i).double().clone().requires_grad_(True),
                }
                if projection == 'linear':
                    leaves['projection.weight'] = p.double().clone().requires_grad_(True)
                    leaves['projection.bias'] = pb.double().clone().requires_grad_(True)
                log_tau = torch.tensor(math.log(tau), dtype=torch.float64, requires_grad=True)
                hid = torch.relu(t.double() @ leaves['adaptor.fc1.weight'] + leaves['adaptor.fc1.bias'])
                u = F.normalize(hid @ leaves['adaptor.fc2.weight'] + leaves['adaptor.fc2.bias'], dim=1)
                img = leaves['student'] @ leaves['projection.weight'] + leaves['projection.bias'] if projection == 'linear' else leaves['student']
                v = F.normalize(img, dim=1)
                loss = contrastive(v, u, torch.exp(log_tau), y, mode)
                names = list(leaves.keys())
                grads = torch.autograd.grad(loss, [leaves[n] for n in names] + [log_tau])
                cases.append({
                    'name': f'{projection} projection, {mode}, tau {tau}',
                    'projection': projection,
                    'mode': mode,
                    'tau': tau,
                    'loss': loss.item(),
                    'adaptedText': arr(u),
                    'projectedImage': arr(v),
                    'grads': {n: arr(g) for n, g in zip(names, grads[:-1])},
                    'gradLogTau': grads[-1].item(),
                })
    return {
        'student': arr(s), 'text': arr(t), 'labels': [int(v) for v in y.tolist()],
        'weights': {
            'linear': {'adaptor.fc1.weight': arr(w1), 'adaptor.fc1.bias': arr(b1), 'adaptor.fc2.weight': arr(w2), 'adaptor.fc2.bias': arr(b2),
                       'projection.weight': arr(p), 'projection.bias': arr(pb)},
            'identity': {'adaptor.fc1.weight': arr(w1), 'adaptor.fc1.bias': arr(b1), 'adaptor.fc2.weight': arr(w2i), 'adaptor.fc2.bias': arr(b2i)},
        },
        'cases': cases,
    }


def balanced_softmax_case():
    torch.manual_seed(1)
    b, c = 8, 5
    z = (torch.randn(b, c) * 2).float()
    y = torch.tensor([0, 0, 1, 0, 2, 3, 4, 0])
    counts = [500, 120, 40, 9, 1]
    zv = z.double().clone().requires_grad_(True)
    prior = torch.tensor(counts, dtype=torch.float64)
    loss = F.cross_entropy(zv + torch.log(prior / prior.sum()), y)
    (g,) = torch.autograd.grad(loss, zv)
    return {'logits': arr(z), 'labels': [int(v) for v in y.tolist()], 'counts': counts, 'loss': loss.item(), 'grad': arr(g)}


def vkd_case():
    torch.manual_seed(2)
    b, c = 6, 5
    s = (torch.randn(b, c) * 3).float()
    t = (torch.randn(b, c) * 3).float()
    counts = [300, 90, 25, 6, 2]
    prior = torch.tensor(counts, dtype=torch.float64)
    log_prior = torch.log(prior / prior.sum())
    out = []
    for adjust in ('none', 'student'):
        for T in (1.0, 4.0):
            sv = s.double().clone().requires_grad_(True)
            z = sv + log_prior if adjust == 'student' else sv
            loss = F.kl_div(F.log_softmax(z / T, 1), F.softmax(t.double() / T, 1), reduction='batchmean') * T * T
            (g,) = torch.autograd.grad(loss, sv)
            out.append({'T': T, 'prior': adjust, 'loss': loss.item(), 'grad': arr(g)})
    return {'student': arr(s), 'teacher': arr(t), 'counts': counts, 'cases': out}


def main():
    fixture = {
        'generator': 'tools/golden/vlm_kd.py',
        'torch': torch.__version__,
        'text': text_cases(),
        'balancedSoftmax': balanced_softmax_case(),
        'vkd': vkd_case(),
    }
    out = os.path.join(ROOT, 'packages', 'method-vlm-kd', 'src', '__fixtures__', 'vlm_kd.golden.json')
    with open(out, 'w') as f:
        json.dump(fixture, f)
        f.write('\n')
    print('wrote', out)


if __name__ == '__main__':
    main()
