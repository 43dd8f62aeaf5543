#!/usr/bin/env python3
"""Golden values for WSD-KD (@kd/method-wsd-kd) and WSDDN's scores and loss (@kd/models wsddn-scores.ts),
computed with PyTorch from the official Caffe layers' definitions (Yochengliu/MLIC-KD-WSD):

- WSDDN image scores: Softmax(axis classes) of M^c / t_c  ⊙  Softmax(axis proposals) of M^d / t_d, summed
  over proposals by the fixed all-ones 1x1 conv `image_level_score` (wsddn_train.prototxt; the KD
  prototxt's temp_branch{1,2}_learn Scale layers at 2 give t = 0.5). Padded proposals (kd's scenes pad
  to a fixed count; the official data has 500 real ones) are left out of the softmax over proposals.
- WSDDN loss: caffe-MLIC/src/caffe/layers/cross_entropy_loss_layer.cpp, written out as a torch
  autograd.Function: forward Σ −log(max(p, 1e-4)) if label == 1 else −log(max(1 − p, 1e-4)), / num;
  backward (−y / max(p, 1e-4) + (1 − y) / max(1 − p, 1e-4)) / num (the layer's diff, which is not the
  derivative of the clipped forward), loops as in the C++.
- Stage 1: Caffe EuclideanLoss = Σ ‖a − b‖² / (2 N), N = the real RoI rows.
- Stage 2: SigmoidCrossEntropyLoss(Scale(fc8) , image_level_score) = Σ BCE-with-logits / num, the Scale
  layer's K values (init 0.2) learnable: gradients for logits and scale.

Run:  /usr/bin/python3 tools/golden/wsd_kd.py      (from the workspace root)
Writes packages/models/test/fixtures/wsddn.golden.json (WSDDN's scores and loss) and
packages/method-wsd-kd/src/__fixtures__/wsd-kd.golden.json (the two KD terms)
"""
import json
import os

import torch

torch.manual_seed(17)
B, R, K, D = 3, 5, 4, 6
dt = torch.float64

mc = torch.randn(B, R, K, dtype=dt) * 2
md = torch.randn(B, R, K, dtype=dt) * 2
mask = torch.ones(B, R, dtype=dt)
mask[1, 3:] = 0  # image 1: two padded proposals
mask[2, 1:] = 0  # image 2: one real proposal
labels = torch.tensor([[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]], dtype=dt)


def image_scores(mc, md, mask, tc, td):
    sc = torch.softmax(mc / tc, dim=2)
    logits = (md / td).masked_fill(mask.unsqueeze(2) == 0, float('-inf'))
    sd = torch.softmax(logits, dim=1) * mask.unsqueeze(2)
    return (sc * sd).sum(1)


class CaffeCrossEntropy(torch.autograd.Function):
    """cross_entropy_loss_layer.cpp, Forward_cpu / Backward_cpu."""

    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        num = p.shape[0]
        loss = 0.0
        for v, t in zip(p.reshape(-1).tolist(), y.reshape(-1).tolist()):
            loss -= torch.log(torch.tensor(max(v, 1e-4), dtype=dt)) if t == 1 else torch.log(torch.tensor(max(1 - v, 1e-4), dtype=dt))
        return torch.as_tensor(loss, dtype=dt) / num

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved_tensors
        num = p.shape[0]
        neg_target = 1 - y
        neg_prediction = torch.clamp(p - 1, max=-1e-4)
        prediction_safe = torch.clamp(p, min=1e-4)
        diff = y / prediction_safe + neg_target / neg_prediction
        return diff * (-g / num), None


flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {
    'B': B, 'R': R, 'K': K, 'D': D,
    'classLogits': flat(mc), 'detectionLogits': flat(md), 'mask': flat(mask), 'labels': flat(labels),
}

# WSDDN scores at t = 1 and at WSD-KD's 0.5 / 0.5 (and an asymmetric pair)
out['scores'] = {f'{tc},{td}': flat(image_scores(mc, md, mask, tc, td)) for tc, td in [(1, 1), (0.5, 0.5), (0.5, 2.0)]}

# WSDDN loss on its own scores and on probabilities inside the clipped region (0, 1 and ±1e-5 off them)
p = image_scores(mc, md, mask, 1, 1).clone().requires_grad_(True)
loss = CaffeCrossEntropy.apply(p, labels)
loss.backward()
out['wsddnLoss'] = {'scores': flat(p), 'value': float(loss), 'grad': flat(p.grad)}
clipped = torch.tensor([[0.0, 1.0, 1e-5, 1 - 1e-5], [0.5, 2e-5, 0.99999, 0.3], [1.0, 0.0, 0.2, 0.7]], dtype=dt, requires_grad=True)
loss = CaffeCrossEntropy.apply(clipped, labels)
loss.backward()
out['wsddnLossClipped'] = {'scores': flat(clipped), 'value': float(loss), 'grad': flat(clipped.grad)}

# Stage 1: Euclidean loss over the real rows
ft = torch.randn(B, R, D, dtype=dt)
fs = torch.randn(B, R, D, dtype=dt, requires_grad=True)
n = mask.sum()
lf = (((ft - fs) ** 2).sum(-1) * mask).sum() / (2 * n)
lf.backward()
out['feature'] = {'teacher': flat(ft), 'student': flat(fs), 'value': float(lf), 'grad': flat(fs.grad)}

# Stage 2: soft targets at T = 0.5, per-class learnable scale (init 0.2, perturbed to make classes differ) and a scalar
z0 = torch.randn(B, K, dtype=dt) * 3
targets = image_scores(mc, md, mask, 0.5, 0.5)
for name, scale0 in [('perClass', torch.tensor([0.2, 0.25, 0.15, 0.3], dtype=dt)), ('scalar', torch.tensor([0.2], dtype=dt))]:
    z = z0.clone().requires_grad_(True)
    a = scale0.clone().requires_grad_(True)
    ls = torch.nn.functional.binary_cross_entropy_with_logits(z * a, targets, reduction='sum') / B
    ls.backward()
    out['soft_' + name] = {'logits': flat(z), 'scale': flat(a), 'targets': flat(targets), 'value': float(ls), 'gradLogits': flat(z.grad), 'gradScale': flat(a.grad)}

# WSDDN's own scores and loss are @kd/models'; the two KD terms (and the teacher targets they use) the method's
models_keys = ['B', 'R', 'K', 'classLogits', 'detectionLogits', 'mask', 'labels', 'scores', 'wsddnLoss', 'wsddnLossClipped']
for path, keys in [
    (os.path.join('packages', 'models', 'test', 'fixtures', 'wsddn.golden.json'), models_keys),
    (os.path.join('packages', 'method-wsd-kd', 'src', '__fixtures__', 'wsd-kd.golden.json'), [k for k in out if k not in models_keys[7:]]),
]:
    with open(path, 'w') as f:
        json.dump({k: out[k] for k in keys}, f, indent=1)
    print('wrote', path)
