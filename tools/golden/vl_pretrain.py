#!/usr/bin/env python3
"""Golden values for @kd/method-vl-pretrain, computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/vl_pretrain.py      (from the workspace root)
Writes packages/method-vl-pretrain/src/__fixtures__/vl-pretrain.golden.json

  * Masked-token loss: F.cross_entropy(logits.view(B*T, V), targets.view(-1), ignore_index=-1),
    i.e. the mean over the predicted positions only (as BERT / UNITER with ignore_index -1).
  * Image-text matching: F.cross_entropy over the 2B pairs [matched; shifted], labels [1…1; neg].
  Inputs are float32 from torch.manual_seed; references in float64 from those values; gradients
  with respect to the logits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(11)
B, T, V = 3, 5, 9
logits = torch.randn(B, T, V, dtype=torch.float32)
targets = torch.full((B, T), -1, dtype=torch.long)
targets[0, 1] = 6
targets[0, 3] = 2
targets[1, 2] = 8
targets[2, 1] = 5
targets[2, 4] = 0

lg = logits.double().requires_grad_(True)
mlm = F.cross_entropy(lg.view(B * T, V), targets.view(-1), ignore_index=-1)
mlm.backward()

pos = torch.randn(B, 2, dtype=torch.float32)
neg = torch.randn(B, 2, dtype=torch.float32)
neg_labels = torch.tensor([0, 1, 0])
p = pos.double().requires_grad_(True)
n = neg.double().requires_grad_(True)
itm = F.cross_entropy(torch.cat([p, n]), torch.cat([torch.ones(B, dtype=torch.long), neg_labels]))
itm.backward()

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {
    'mlm': {'logits': flat(logits), 'shape': [B, T, V], 'targets': [int(v) for v in targets.reshape(-1)], 'loss': float(mlm), 'grad': flat(lg.grad)},
    'itm': {'positive': flat(pos), 'negative': flat(neg), 'negativeLabels': [int(v) for v in neg_labels], 'loss': float(itm),
            'gradPositive': flat(p.grad), 'gradNegative': flat(n.grad)},
}
path = 'packages/method-vl-pretrain/src/__fixtures__/vl-pretrain.golden.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
