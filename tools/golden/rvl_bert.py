#!/usr/bin/env python3
"""Golden values for RVL-BERT's heads (@kd/models src/rvl-bert), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/rvl_bert.py      (from the workspace root)
Writes packages/models/src/rvl-bert/__fixtures__/rvl-bert.golden.json

Written from the official code (coldmanck/RVL-BERT 8acf083; docs/design/rvl-bert-code-reading.md gives
file:line for each item), with PyTorch's own modules:
  * spatial module (`simple_spatial_model.py`): VRD — relu(linear1(s)) + relu(linear2(o)) → relu(linear4)
    → dropout → linear5 (its BatchNorms unused); SpatialSense — BatchNorm1d after linear1, linear2, linear4,
    no dropout; in training mode (batch statistics, running statistics updated with momentum 0.1);
  * mask attention (`visual_linguistic_bert.py`, ENHANCED_IMG_FEATURE): Conv2d 1×1 (C→d) + BatchNorm2d in
    training mode over every RoI map of every pair; the whole image's map (RoI 0) + the tiled role word
    embedding → role conv 1×1 + ReLU → shared conv 1×1 (d→1) → min–max over the map (no ε, as the code);
    pooled = AvgPool over the map of F ⊙ M; gradients of a loss on the pooled features and the masks;
  * mask targets: torch.round (half to even) of 14·box... here k·box, cells [y1, y2) × [x1, x2) (and the
    code's transposed raster), MSE (`F.mse_loss`, mean);
  * answer head: [h; C] → Linear(2d→d) → ReLU → Dropout → Linear(d→d); then Linear(d→d) → erf GELU →
    LayerNorm(ε 1e-12) → Dropout → Linear(d→A); dropout off (eval); the classifier's rows set to the mean
    word embedding of each answer name, bias 0 (CLASSIFIER_PRETRAINED).
Weights are exported in kd's layout: Linear [in, out], Conv2d [kh, kw, in, out]; maps NHWC.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20)
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
arr = lambda t: {'shape': list(t.shape), 'data': flat(t)}
lin = lambda m: {'weight': arr(m.weight.t()), 'bias': arr(m.bias)}
conv = lambda m: {'weight': arr(m.weight.permute(2, 3, 1, 0)), 'bias': arr(m.bias)}
bn = lambda m: {'gamma': arr(m.weight), 'beta': arr(m.bias), 'running_mean': arr(m.running_mean),
                'running_var': arr(m.running_var)}

P, D = 5, 8
out = {}

# ------------------------------------------------------------------------------------ spatial module
def boxes(n):
    lo = torch.rand(n, 2) * 0.6
    return torch.cat([lo, lo + 0.05 + torch.rand(n, 2) * 0.35], 1)


sub, obj = boxes(P), boxes(P)
for variant in ('vrd', 'spatialsense'):
    l1, l2, l4, l5 = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D), nn.Linear(D, D)
    params = {'subject': lin(l1), 'object': lin(l2), 'joint': lin(l4), 'out': lin(l5)}
    if variant == 'vrd':
        y = l5(F.relu(l4(F.relu(l1(sub)) + F.relu(l2(obj)))))
        after = {}
    else:
        b1, b2, b4 = nn.BatchNorm1d(D), nn.BatchNorm1d(D), nn.BatchNorm1d(D)
        with torch.no_grad():  # non-trivial affine parameters
            for b in (b1, b2, b4):
                b.weight.add_(torch.randn(D) * 0.3)
                b.bias.add_(torch.randn(D) * 0.3)
        params.update({'subjectNorm': bn(b1), 'objectNorm': bn(b2), 'jointNorm': bn(b4)})
        for b in (b1, b2, b4):
            b.train()
        y = l5(F.relu(b4(l4(F.relu(b1(l1(sub))) + F.relu(b2(l2(obj)))))))
        after = {'subjectNorm': bn(b1), 'objectNorm': bn(b2), 'jointNorm': bn(b4)}
    out[f'spatial_{variant}'] = {'params': params, 'subject': arr(sub), 'object': arr(obj), 'y': arr(y),
                                 'normsAfter': after}

# ---------------------------------------------------------------------------------- mask attention
R, K, C, ROLES = 4, 5, 6, 2
maps = torch.randn(P, R, C, K, K)  # NCHW per RoI, RoI 0 = the whole image
role_emb = torch.randn(P, ROLES, D, requires_grad=True)
down = nn.Conv2d(C, D, 1)
norm = nn.BatchNorm2d(D)
with torch.no_grad():
    norm.weight.add_(torch.randn(D) * 0.3)
    norm.bias.add_(torch.randn(D) * 0.3)
role_convs = [nn.Conv2d(D, D, 1) for _ in range(ROLES)]
final = nn.Conv2d(D, 1, 1)
mask_params = {'downsample': conv(down), 'norm': bn(norm), 'final': conv(final)}
for r, c in enumerate(role_convs):
    mask_params[f'role{r}'] = conv(c)
norm.train()
all_maps = norm(down(maps.reshape(P * R, C, K, K))).reshape(P, R, D, K, K)
feat = all_maps[:, 0]  # [P, D, K, K]
masks = []
for r in range(ROLES):
    g = feat + role_emb[:, r, :, None, None]
    s = final(F.relu(role_convs[r](g))).reshape(P, K * K)
    mn = s.min(1, keepdim=True)[0]
    mx = s.max(1, keepdim=True)[0]
    masks.append(((s - mn) / (mx - mn)).reshape(P, 1, K, K))
masks = torch.cat(masks, 1)  # [P, ROLES, K, K]
pooled = torch.stack([F.avg_pool2d(feat * masks[:, r:r + 1], K).reshape(P, D) for r in range(ROLES)], 1)
# a loss on both outputs, for the gradients
w_pool = torch.randn(P, ROLES, D)
w_mask = torch.rand(P, ROLES, K, K)
loss = (pooled * w_pool).sum() + F.mse_loss(masks, w_mask)
named = {'downsample.weight': down.weight, 'downsample.bias': down.bias, 'norm.gamma': norm.weight,
         'norm.beta': norm.bias, 'final.weight': final.weight, 'final.bias': final.bias}
for r, c in enumerate(role_convs):
    named[f'role{r}.weight'] = c.weight
    named[f'role{r}.bias'] = c.bias
grads = torch.autograd.grad(loss, list(named.values()) + [role_emb])
kd_layout = lambda name, g: g.permute(2, 3, 1, 0) if g.dim() == 4 else g
out['mask_attention'] = {
    'params': mask_params,
    'maps': arr(maps.permute(0, 1, 3, 4, 2)),  # [P, R, K, K, C]
    'roleEmbeddings': arr(role_emb),
    'features': arr(feat.permute(0, 2, 3, 1)),  # [P, K, K, D]
    'masks': arr(masks),
    'pooled': arr(pooled),
    'wPool': arr(w_pool),
    'wMask': arr(w_mask),
    'loss': float(loss),
    'grads': {name: arr(kd_layout(name, g)) for name, g in zip(list(named) + ['roleEmbeddings'], grads)},
    'normAfter': bn(norm),
}

# ------------------------------------------------------------------------------------ mask targets
KT = 4
# exact halves at k = 4: 0.125·4 = 0.5 → 0, 0.375·4 = 1.5 → 2, 0.625·4 = 2.5 → 2, 0.875·4 = 3.5 → 4
tboxes = torch.tensor([[[0.125, 0.375, 0.625, 0.875], [0.0, 0.0, 1.0, 0.5]],
                       [[0.3, 0.1, 0.9, 0.6], [0.5, 0.5, 0.5, 0.9]]], dtype=torch.float32)  # [2, 2, 4] x1 y1 x2 y2


def raster(bx, transposed):
    n, roles = bx.shape[:2]
    t = torch.zeros(n, roles, KT, KT)
    r = torch.round(KT * bx).int()
    for i in range(n):
        for j in range(roles):
            x1, y1, x2, y2 = [int(v) for v in r[i, j]]
            if transposed:  # the official code: M[.., r[0]:r[2], r[1]:r[3]]
                t[i, j, x1:x2, y1:y2] = 1
            else:
                t[i, j, y1:y2, x1:x2] = 1
    return t


tm = torch.rand(2, 2, KT, KT)
out['mask_target'] = {'k': KT, 'boxes': arr(tboxes), 'image': arr(raster(tboxes, False)),
                      'transposed': arr(raster(tboxes, True)), 'masks': arr(tm),
                      'mse': float(F.mse_loss(tm, raster(tboxes, False)))}

# ------------------------------------------------------------------------------------- answer head
A = 7
h = torch.randn(P, D)
cso = torch.randn(P, D)
word_emb = torch.randn(11, D)
answer_words = [[1], [2, 3], [4], [5, 6, 7], [8], [9], [10, 2]]
for spatial in (False, True):
    fuse, fused = nn.Linear(2 * D, D), nn.Linear(D, D)
    dense, ln, cls = nn.Linear(D, D), nn.LayerNorm(D, eps=1e-12), nn.Linear(D, A)
    with torch.no_grad():
        ln.weight.add_(torch.randn(D) * 0.3)
        ln.bias.add_(torch.randn(D) * 0.3)
    params = {'transform.dense': lin(dense), 'transform.norm': {'weight': arr(ln.weight), 'bias': arr(ln.bias)},
              'classifier': lin(cls)}
    x = h
    if spatial:
        params.update({'fuse': lin(fuse), 'fused': lin(fused)})
        x = fused(F.relu(fuse(torch.cat([h, cso], 1))))
    t = ln(F.gelu(dense(x)))  # F.gelu is the exact erf form by default
    logits = cls(t)
    with torch.no_grad():
        cls.weight.copy_(torch.stack([word_emb[w].mean(0) for w in answer_words]))
        cls.bias.zero_()
    out[f'answer_{"spatial" if spatial else "plain"}'] = {
        'params': params, 'h': arr(h), 'spatial': arr(cso), 'logits': arr(logits),
        'wordEmbeddings': arr(word_emb), 'answerWords': answer_words, 'initClassifier': lin(cls),
        'logitsAfterInit': arr(cls(t)),
    }

path = os.path.join('packages', 'models', 'src', 'rvl-bert', '__fixtures__', 'rvl-bert.golden.json')
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', path)
