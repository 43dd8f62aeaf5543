#!/usr/bin/env python3
"""Golden values for the detection task (@kd/tasks detection/*), computed with torchvision.

Run:  /usr/bin/python3 tools/golden/detection.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/detection.golden.json

  * box coding: torchvision BoxCoder(weights=(10, 10, 5, 5)).encode_single / decode_single
    (log-scale clip log(1000/16)) and box_ops.clip_boxes_to_image;
  * NMS: torchvision.ops.nms and batched_nms (per class);
  * decoding: RoIHeads.postprocess_detections with the class-agnostic deltas repeated for every
    class (softmax, decode, clip, score threshold, small boxes removed, per-class NMS, top-N);
  * losses: regions labelled with box_iou + Matcher(0.5, 0.5) (background below 0.5), every valid
    region classified (F.cross_entropy) and the foreground ones regressed
    (F.smooth_l1_loss(reduction='sum') / (4 · #fg), beta 1 and 1/9), with gradients.
Inputs float32 from torch.manual_seed; references in float64 where the op allows it.
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.roi_heads import RoIHeads
from torchvision.ops import batched_nms, box_iou, boxes as box_ops, nms

torch.manual_seed(13)
H, W = 64, 64
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
ints = lambda t: [int(v) for v in t.reshape(-1)]


def random_boxes(n, lo=4.0, hi=30.0):
    xy = torch.rand(n, 2) * (W - hi)
    wh = lo + torch.rand(n, 2) * (hi - lo)
    return torch.cat([xy, xy + wh], 1)


def jitter(boxes, k, scale):
    rep = boxes.repeat_interleave(k, 0)
    wh = (rep[:, 2:] - rep[:, :2]).repeat(1, 2)
    return rep + torch.randn(rep.shape) * scale * wh


out = {'imageSize': [H, W]}

# ---- box coding ----
coder = det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
proposals = random_boxes(12).double()
targets = random_boxes(12).double()
deltas = (torch.randn(12, 4) * 0.8).double()
deltas[3, 2] = 30.0  # beyond the log-scale clip
deltas[7, 3] = 25.0
decoded = coder.decode_single(deltas, proposals)
out['coding'] = {
    'proposals': flat(proposals), 'targets': flat(targets), 'deltas': flat(deltas),
    'encoded': flat(coder.encode_single(targets, proposals)),
    'decoded': flat(decoded),
    'clipped': flat(box_ops.clip_boxes_to_image(decoded, (H, W))),
}

# ---- NMS ----
base = random_boxes(6)
boxes = jitter(base, 4, 0.15).clamp(0, W)
boxes[:, 2:] = torch.maximum(boxes[:, 2:], boxes[:, :2] + 1)
scores = torch.rand(boxes.shape[0])
classes = torch.randint(0, 3, (boxes.shape[0],))
out['nms'] = {
    'boxes': flat(boxes), 'scores': flat(scores), 'classes': ints(classes), 'iou': 0.5,
    'kept': ints(nms(boxes.double(), scores.double(), 0.5)),
    'keptPerClass': ints(batched_nms(boxes.double(), scores.double(), classes, 0.5)),
}

# ---- decoding (RoIHeads.postprocess_detections) ----
K = 4
R = 20
regions = jitter(random_boxes(5), 4, 0.2).clamp(0, W)
regions[:, 2:] = torch.maximum(regions[:, 2:], regions[:, :2] + 2)
logits = torch.randn(R, K + 1) * 2
box_deltas = torch.randn(R, 4) * 0.5
box_deltas[0, 0] = 40.0  # pushed off the image: clipped to a sliver, removed as small
decodings = []
for score_thresh, max_det in [(0.05, 10), (0.0, 300)]:
    heads = RoIHeads(None, None, None, 0.5, 0.5, 512, 0.25, None, score_thresh, 0.5, max_det)
    got_boxes, got_scores, got_labels = heads.postprocess_detections(
        logits.double(), box_deltas.double().repeat(1, K + 1), [regions.double()], [(H, W)])
    decodings.append({'scoreThreshold': score_thresh, 'maxDetections': max_det,
                      'boxes': flat(got_boxes[0]), 'scores': flat(got_scores[0]), 'classes': ints(got_labels[0] - 1)})
out['decoding'] = {'classes': K, 'regions': flat(regions), 'logits': flat(logits), 'deltas': flat(box_deltas), 'nmsIoU': 0.5, 'cases': decodings}

# ---- losses ----
B, R, M, K = 2, 10, 3, 3
counts = [3, 2]
gt_boxes = torch.zeros(B, M, 4)
gt_classes = torch.full((B, M), -1, dtype=torch.long)
regions = torch.zeros(B, R, 4)
mask = torch.zeros(B, R)
for b in range(B):
    g = random_boxes(counts[b], 10, 24)
    gt_boxes[b, :counts[b]] = g
    gt_classes[b, :counts[b]] = torch.randint(0, K, (counts[b],))
    near = jitter(g, 2, 0.12)
    far = random_boxes(R - 1 - near.shape[0])
    r = torch.cat([near, far]).clamp(0, W)
    r[:, 2:] = torch.maximum(r[:, 2:], r[:, :2] + 2)
    regions[b, :R - 1] = r
    mask[b, :R - 1] = 1  # the last region is padding
    regions[b, R - 1] = torch.tensor([5.0, 5.0, 20.0, 20.0])  # a padded slot with a plausible box: must be ignored
region_logits = torch.randn(B, R, K + 1) * 2
region_deltas = torch.randn(B, R, 4) * 0.3

matcher = det_utils.Matcher(0.5, 0.5, allow_low_quality_matches=False)
rows, labels, fg_rows, box_targets = [], [], [], []
for b in range(B):
    valid = [i for i in range(R) if mask[b, i] > 0]
    g = gt_boxes[b, :counts[b]].double()
    p = regions[b, valid].double()
    matched = matcher(box_iou(g, p))
    lab = gt_classes[b, matched.clamp(min=0)] + 1
    lab[matched < 0] = 0
    enc = coder.encode_single(g[matched.clamp(min=0)], p)
    for j, i in enumerate(valid):
        rows.append(b * R + i)
        labels.append(int(lab[j]))
        if lab[j] > 0:
            fg_rows.append(b * R + i)
            box_targets.append(enc[j])
assert 0 < len(fg_rows) < len(rows), 'want foreground and background regions'
box_targets = torch.stack(box_targets)

z = region_logits.double().reshape(B * R, K + 1).requires_grad_(True)
cls = F.cross_entropy(z[rows], torch.tensor(labels))
(g_cls,) = torch.autograd.grad(cls, z)
losses = {'cls': float(cls), 'gradCls': flat(g_cls)}
for name, beta in [('box', 1.0), ('boxBetaNinth', 1.0 / 9)]:
    d = region_deltas.double().reshape(B * R, 4).requires_grad_(True)
    box = F.smooth_l1_loss(d[fg_rows], box_targets, beta=beta, reduction='sum') / (4 * len(fg_rows))
    (g_box,) = torch.autograd.grad(box, d)
    losses[name] = {'beta': beta, 'value': float(box), 'grad': flat(g_box)}
out['losses'] = {
    'images': B, 'regionsPerImage': R, 'slots': M, 'classes': K,
    'regions': flat(regions), 'mask': flat(mask),
    'gtBoxes': flat(gt_boxes), 'gtClasses': ints(gt_classes), 'gtCounts': counts,
    'logits': flat(region_logits), 'deltas': flat(region_deltas),
    'rows': rows, 'labels': labels, 'foregroundRows': fg_rows, 'boxTargets': flat(box_targets),
    **losses,
}

path = 'packages/tasks/src/__fixtures__/detection.golden.json'
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path, '| fg', len(fg_rows), 'of', len(rows), '| detections', [len(c['scores']) for c in decodings])
