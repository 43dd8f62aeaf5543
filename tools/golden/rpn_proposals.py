#!/usr/bin/env python3
"""Golden values for region-detector's RPN (@kd/models anchor-grid.ts, rpn-proposals.ts), computed
with torchvision 0.14's AnchorGenerator, BoxCoder and RegionProposalNetwork.filter_proposals.

Run:  /usr/bin/python3 tools/golden/rpn_proposals.py      (from the workspace root)
Writes packages/models/test/fixtures/rpn-proposals.golden.json

- anchors: AnchorGenerator(sizes, ratios) on one feature map, for a few grids and image sizes (odd
  sizes and halves exercise its rounding: half-sides torch.round()ed, strides image // map);
- decode: BoxCoder(weights 1, 1, 1, 1).decode_single of random deltas on those anchors, some
  beyond the log(1000/16) clamp;
- proposals: RegionProposalNetwork.filter_proposals (eval mode, one level, score_thresh 0) of the
  decoded deltas with random objectness, for several pre/post-NMS counts, NMS IoU and min_size.
Everything float32, as the model computes.
"""
import json
import math
import os

import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork
from torchvision.models.detection._utils import BoxCoder

torch.manual_seed(16)
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]


def anchors_of(image_hw, grid_hw, sizes, ratios):
    gen = AnchorGenerator(sizes=(tuple(sizes),), aspect_ratios=(tuple(ratios),))
    images = ImageList(torch.zeros(1, 1, *image_hw), [tuple(image_hw)])
    return gen(images, [torch.zeros(1, 1, *grid_hw)])[0]


anchor_cases = []
for image_hw, grid_hw, sizes, ratios in [
    ((16, 16), (4, 4), [16, 32], [0.5, 1.0, 2.0]),
    ((20, 23), (5, 6), [5, 8, 13], [1.0, 2.0, 0.5]),
    ((64, 64), (16, 16), [16, 32], [0.5, 1.0, 2.0]),
    ((9, 7), (3, 2), [3, 7], [0.25, 1.0, 3.0]),
]:
    a = anchors_of(image_hw, grid_hw, sizes, ratios)
    anchor_cases.append({'imageSize': list(image_hw), 'featureSize': list(grid_hw), 'sizes': sizes,
                         'ratios': ratios, 'anchors': flat(a)})

# ---- decode ----
dec_anchors = anchors_of((20, 23), (5, 6), [5, 8, 13], [1.0, 2.0, 0.5])
A = dec_anchors.shape[0]
dec_deltas = torch.randn(A, 4) * 0.7
dec_deltas[:6, 2:] = torch.tensor([[5.0, -1.0], [4.2, 4.3], [-6.0, 6.0], [1.0, 10.0], [4.13, 0.0], [0.0, 4.14]])
coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
assert abs(coder.bbox_xform_clip - math.log(1000.0 / 16)) < 1e-12
decoded = coder.decode_single(dec_deltas, dec_anchors)

# ---- proposals: filter_proposals of one image ----
H, W = 32, 40
prop_anchors = anchors_of((H, W), (8, 10), [8, 16], [0.5, 1.0, 2.0])
P = prop_anchors.shape[0]
objectness = torch.randn(1, P) * 2
deltas = torch.randn(1, P, 4) * 0.4
deltas[0, :40, 2:] -= 3.0  # some shrink below the min sizes of the cases
proposals = coder.decode(deltas.reshape(-1, 4), [prop_anchors]).reshape(1, -1, 4)
proposal_cases = []
for pre, post, nms, min_size in [(40, 12, 0.7, 1e-3), (10000, 10000, 0.7, 1e-3), (200, 30, 0.5, 3.0),
                                 (60, 100, 0.3, 1e-3), (5, 5, 0.7, 1e-3)]:
    rpn = RegionProposalNetwork(None, None, 0.7, 0.3, 256, 0.5, {'training': pre, 'testing': pre},
                                {'training': post, 'testing': post}, nms)
    rpn.eval()
    rpn.min_size = min_size
    boxes, scores = rpn.filter_proposals(proposals, objectness, [(H, W)], [P])
    proposal_cases.append({'preNms': pre, 'postNms': post, 'nmsIou': nms, 'minSize': min_size,
                           'count': int(boxes[0].shape[0]), 'boxes': flat(boxes[0]), 'scores': flat(scores[0])})

out = {
    'anchorCases': anchor_cases,
    'decode': {'anchors': flat(dec_anchors), 'deltas': flat(dec_deltas), 'boxes': flat(decoded)},
    'proposals': {'imageSize': [H, W], 'anchors': flat(prop_anchors), 'objectness': flat(objectness[0]),
                  'deltas': flat(deltas[0]), 'cases': proposal_cases},
}
path = os.path.join('packages', 'models', 'test', 'fixtures', 'rpn-proposals.golden.json')
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', path, [c['count'] for c in proposal_cases])
