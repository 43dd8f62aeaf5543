#!/usr/bin/env python3
"""Golden values for the detection task's RPN terms (@kd/tasks detection/anchor-*.ts, rpn-losses.ts),
computed with torchvision 0.14's RegionProposalNetwork.

Run:  /usr/bin/python3 tools/golden/detection_rpn.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/detection-rpn.golden.json

Two 64x64 images share 96 anchors (a 4x4 grid at stride 16, sizes 16 and 32, aspect ratios 0.5, 1, 2)
plus 4 padded anchor slots (zero-area boxes, which torchvision never sees). Image 0 has 3 ground-truth
boxes, image 1 has 1 (its other 2 slots are padding with junk boxes). Labelling:
RegionProposalNetwork.assign_targets_to_anchors (box_iou + Matcher(0.7, 0.3,
allow_low_quality_matches=True)); targets: its BoxCoder(1, 1, 1, 1).encode; losses:
RegionProposalNetwork.compute_loss (BCE-with-logits mean over the sampled anchors; smooth-L1 with
beta 1/9 over the sampled foreground anchors, summed and divided by the number sampled). The sampler is
made to take every labelled anchor (batch_size_per_image 1000 > anchors, positive_fraction 0.5 >
foreground share), so both sides see the same sample. Gradients are taken w.r.t. the padded [B, A]
and [B, A, 4] tensors (padding gets none). Every ground-truth box overlaps some anchor (torchvision's
low-quality rule would otherwise mark every anchor of IoU 0 as foreground; the TS side skips such a box).
"""
import json
import os

import torch
from torchvision.models.detection.rpn import RegionProposalNetwork
from torchvision.ops import box_iou

torch.manual_seed(16)
H, W = 64, 64
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]

# ---- anchors: 4x4 grid at stride 16, sizes 16, 32, ratios 0.5, 1, 2 (h/w), plus 4 padded slots ----
cells = []
for y in range(4):
    for x in range(4):
        cx, cy = 8 + 16 * x, 8 + 16 * y
        for size in (16.0, 32.0):
            for ratio in (0.5, 1.0, 2.0):
                w = size / ratio ** 0.5
                h = size * ratio ** 0.5
                cells.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
real = torch.tensor(cells, dtype=torch.float64)
A_REAL = real.shape[0]
PAD = 4
A = A_REAL + PAD
anchors = torch.zeros(A, 4, dtype=torch.float64)
anchors[:A_REAL] = real  # padded slots stay [0, 0, 0, 0]
B, M = 2, 3
counts = [3, 1]
gt = torch.zeros(B, M, 4, dtype=torch.float64)
gt[0, 0] = torch.tensor([17.0, 15.0, 33.0, 32.0])  # near the size-16 square anchor at (24, 24): IoU >= 0.7
gt[0, 1] = torch.tensor([30.0, 28.0, 58.0, 61.0])  # large: overlaps size-32 anchors
gt[0, 2] = torch.tensor([44.0, 3.0, 51.0, 13.0])   # small and thin: only a low-quality match
gt[1, 0] = torch.tensor([17.0, 33.0, 47.0, 63.0])
gt[1, 1] = torch.tensor([5.0, 5.0, 40.0, 40.0])    # padding (count 1): must be ignored
gt[1, 2] = torch.tensor([-1.0, -1.0, -1.0, -1.0])
objectness = (torch.randn(B, A) * 2).double()
deltas = (torch.randn(B, A, 4) * 0.5).double()

rpn = RegionProposalNetwork(None, None, 0.7, 0.3, 1000, 0.5, {'training': 10, 'testing': 10},
                            {'training': 10, 'testing': 10}, 0.7)
rpn.box_coder.weights = (1.0, 1.0, 1.0, 1.0)
per_image_anchors = [real.clone() for _ in range(B)]
targets = [{'boxes': gt[b, :counts[b]].clone()} for b in range(B)]
for b in range(B):
    assert (box_iou(targets[b]['boxes'], real).max(dim=1).values > 0).all(), 'every box overlaps an anchor'
labels, matched = rpn.assign_targets_to_anchors(per_image_anchors, targets)
regression = rpn.box_coder.encode(matched, per_image_anchors)

obj_leaf = objectness.clone().requires_grad_(True)
del_leaf = deltas.clone().requires_grad_(True)
obj_valid = obj_leaf[:, :A_REAL].reshape(-1, 1)
del_valid = del_leaf[:, :A_REAL].reshape(-1, 4)
obj_loss, box_loss = rpn.compute_loss(obj_valid, del_valid, labels, regression)
(g_obj,) = torch.autograd.grad(obj_loss, obj_leaf, retain_graph=True)
(g_box,) = torch.autograd.grad(box_loss, del_leaf)

# the TS side's view: rows of the padded [B*A] anchors
rows, row_labels, fg_rows, box_targets = [], [], [], []
for b in range(B):
    for a in range(A_REAL):
        lab = int(labels[b][a])
        if lab < 0:
            continue
        rows.append(b * A + a)
        row_labels.append(lab)
        if lab == 1:
            fg_rows.append(b * A + a)
            box_targets.append(regression[b][a])
fg_per_image = [int((labels[b] == 1).sum()) for b in range(B)]
ignored = [int((labels[b] == -1).sum()) for b in range(B)]
best_iou = [box_iou(targets[b]['boxes'], real).max(dim=1).values.tolist() for b in range(B)]
assert all(n > 0 for n in fg_per_image) and all(n > 0 for n in ignored)
assert any(v < 0.7 for v in best_iou[0]), 'want a low-quality match'

out = {
    'imageSize': [H, W], 'images': B, 'anchorsPerImage': A, 'slots': M,
    'anchors': flat(anchors.repeat(B, 1)), 'gtBoxes': flat(gt), 'gtCounts': counts,
    'objectness': flat(objectness), 'deltas': flat(deltas),
    'foregroundIoU': 0.7, 'backgroundIoU': 0.3, 'beta': 1.0 / 9,
    'rows': rows, 'labels': row_labels, 'foregroundRows': fg_rows,
    'boxTargets': flat(torch.stack(box_targets)),
    'objectnessLoss': float(obj_loss), 'gradObjectness': flat(g_obj),
    'boxLoss': float(box_loss), 'gradDeltas': flat(g_box),
}
path = 'packages/tasks/src/__fixtures__/detection-rpn.golden.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path, '| fg per image', fg_per_image, '| ignored', ignored, '| sampled', len(rows),
      '| best IoU per box', [[round(v, 3) for v in x] for x in best_iou])
