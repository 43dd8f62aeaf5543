#!/usr/bin/env python3
"""Golden values for ViLD-ensemble's region scores (@kd/models ensemble-scores.ts), with PyTorch.

Run:  /usr/bin/python3 tools/golden/vild_ensemble.py      (from the workspace root)
Writes packages/models/test/fixtures/vild-ensemble.golden.json

Written the way the official postprocess (tensorflow/tpu, projects/vild/ops/postprocess_ops.py,
GenericDetectionGenerator with double_branch) forms the scores, not as the TypeScript's powers:
    p_txt = softmax over [background, K classes] of the text logits, then the background column is
            dropped (the other columns are NOT renormalised),
    p_img = softmax over the K classes of the image branch's logits,
    base  = a 0/1 mask, 1 on base classes, 0 on novel ones (the official 'rare mask'),
    score = cube_root(p_img * p_txt * (base * p_txt + (1 - base) * p_img)),
i.e. p_txt^(2/3) p_img^(1/3) on base classes and p_txt^(1/3) p_img^(2/3) on novel ones (lambda 2/3).
A second case with another lambda uses the product generalised to any lambda: with a = lambda and
the per-class exponent e = a on base, 1 - a on novel, score = exp(e log p_txt + (1 - e) log p_img),
computed in float64. The background probability p_txt[:, 0] is written beside (column 0 of the TS
result). Inputs float32 from torch.manual_seed, logits of the size cosines / 0.01 reach.
"""
import json
import os

import torch

torch.manual_seed(17)
N, K = 7, 5
NOVEL = [1, 4]
text_logits = torch.randn(N, K + 1) * 4
image_logits = torch.randn(N, K) * 4
flat = lambda x: [float(a) for a in x.detach().reshape(-1)]

base = torch.ones(K, dtype=torch.float64)
for k in NOVEL:
    base[k] = 0
p_txt_all = torch.softmax(text_logits.double(), dim=-1)
p_txt = p_txt_all[:, 1:]
p_img = torch.softmax(image_logits.double(), dim=-1)

third = (1.0 - base) * p_img + base * p_txt
official = torch.pow(p_img * p_txt * third, 1.0 / 3.0)

LAMBDA = 0.8
e = base * LAMBDA + (1 - base) * (1 - LAMBDA)
general = torch.exp(e * torch.log(p_txt) + (1 - e) * torch.log(p_img))

out = {
    'novel': NOVEL,
    'textLogits': {'shape': [N, K + 1], 'data': flat(text_logits)},
    'imageLogits': {'shape': [N, K], 'data': flat(image_logits)},
    'background': flat(p_txt_all[:, 0]),
    'cases': [
        {'lambda': 2.0 / 3.0, 'form': 'official cube root', 'scores': flat(official)},
        {'lambda': LAMBDA, 'form': 'exp of the weighted logs', 'scores': flat(general)},
    ],
}
path = os.path.join('packages', 'models', 'test', 'fixtures', 'vild-ensemble.golden.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
