#!/usr/bin/env python3
"""Golden values for the vqa and captioning tasks of @kd/tasks, computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/vqa_captioning.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/vqa-captioning.golden.json

  * VQA answer loss: F.binary_cross_entropy_with_logits(logits, scores) * A ('sum': summed over the A
    answers, mean over questions, as the bottom-up-top-down VQA code, Oscar and MMF do) and without
    the factor ('mean'); soft scores min(n/3, 1).
  * Captioning loss: F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:] with padding
    targets set to ignore_index) — position i predicts token i + 1, mean over the real targets.
  Inputs are float32 from torch.manual_seed; references in float64 from those values; gradients
  with respect to the logits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(13)
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]

# VQA: 4 questions, 6 answers; soft scores of 0, 1, 2, 3+ agreeing humans
B, A = 4, 6
vqa_logits = torch.randn(B, A, dtype=torch.float32) * 2
scores = torch.tensor([
    [0, 1, 0, 0, 0, 0],
    [1 / 3, 0, 2 / 3, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 1, 1 / 3, 1 / 3],
], dtype=torch.float32)
lg = vqa_logits.double().requires_grad_(True)
vqa_sum = F.binary_cross_entropy_with_logits(lg, scores.double()) * A
vqa_sum.backward()
vqa_mean = F.binary_cross_entropy_with_logits(vqa_logits.double(), scores.double())

# captioning: 3 captions of length 6 over a vocabulary of 9 ([PAD] 0, [CLS] 2, [SEP] 3)
N, T, V = 3, 6, 9
cap_logits = torch.randn(N, T, V, dtype=torch.float32)
tokens = torch.tensor([
    [2, 5, 6, 7, 3, 0],
    [2, 8, 3, 0, 0, 0],
    [2, 4, 5, 6, 7, 3],
], dtype=torch.long)
mask = (tokens != 0).float()
targets = tokens[:, 1:].clone()
targets[mask[:, 1:] == 0] = -100
cl = cap_logits.double().requires_grad_(True)
cap = F.cross_entropy(cl[:, :-1].reshape(-1, V), targets.reshape(-1), ignore_index=-100)
cap.backward()

out = {
    'vqa': {'logits': flat(vqa_logits), 'shape': [B, A], 'scores': flat(scores), 'sum': float(vqa_sum), 'mean': float(vqa_mean), 'gradSum': flat(lg.grad)},
    'captioning': {'logits': flat(cap_logits), 'shape': [N, T, V], 'tokens': [int(v) for v in tokens.reshape(-1)], 'mask': flat(mask), 'loss': float(cap), 'grad': flat(cl.grad)},
}
path = 'packages/tasks/src/__fixtures__/vqa-captioning.golden.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
