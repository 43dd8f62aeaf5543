#!/usr/bin/env python3
"""Golden values for Caffe / Fast R-CNN RoI max pooling (@kd/models roi-max-pool.ts), from torchvision.

Run:  /usr/bin/python3 tools/golden/roi_max_pool.py      (from the workspace root)
Writes packages/models/test/fixtures/roi-max-pool.golden.json

Each case: a float32 map (NHWC, from torch.manual_seed), boxes [x1, y1, x2, y2] in input pixels with
their image indices, a spatial scale, an output size and optionally per-RoI scores. The reference runs
in float32, as kd does (torchvision computes the bin edges in the input's dtype: bin = float(roi_h) /
float(ph), floor(float(i) * bin)); the script checks that float64 gives the same pooled values:
  out  = torchvision.ops.roi_pool(map NCHW, rois [R, 5], output_size, spatial_scale) * scores[r]
  grad = d/d map of sum(out * weights * valid[r])
where `weights` [R, ph, pw, C] are random and valid[r] = 0 for a malformed RoI (round(x2·scale) <
round(x1·scale) or likewise in y). torchvision's backward routes a malformed RoI's gradient to its
(one-pixel-wide) argmax; the official Caffe backward tests each pixel against [start, end] of the
RoI, which excludes every pixel when end < start, so kd gives such a RoI no gradient. Zeroing its
weights in the reference loss is that rule: the TypeScript test uses the raw `weights` and must still
match `grad`. Cases cover .5 coordinates (C rounds half away from zero: -0.5 → -1, -2.5 → -3),
boxes beyond the map (clamping, empty bins, a box entirely outside → zeros), a box smaller than a
bin, malformed boxes in x and in y, boxes in the second image, scales 1/8, 1/4, 1/2, sizes 7×7 and
3×2, and quantised post-ReLU maps whose bins hold tied maxima (the gradient goes to the FIRST maximum
in row-major order, as torchvision's `if (val > maxval)`).
"""
import json
import math
import os

import torch
from torchvision.ops import roi_pool

torch.manual_seed(7)
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]


def c_round(v):
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def make_case(name, fmap, boxes, indices, scale, size, with_scores):
    fmap = fmap.float()
    boxes = torch.tensor(boxes, dtype=torch.float32)
    indices = torch.tensor(indices, dtype=torch.float32)
    r = boxes.shape[0]
    scores = torch.rand(r) if with_scores else None
    weights = torch.randn(r, size[0], size[1], fmap.shape[3])
    malformed = [
        c_round(float(b[2]) * scale) < c_round(float(b[0]) * scale) or c_round(float(b[3]) * scale) < c_round(float(b[1]) * scale)
        for b in boxes
    ]
    valid = torch.tensor([0.0 if m else 1.0 for m in malformed], dtype=torch.float64)
    x = fmap.permute(0, 3, 1, 2).clone().requires_grad_(True)
    rois = torch.cat([indices.unsqueeze(1), boxes], 1)
    pooled = roi_pool(x, rois, output_size=size, spatial_scale=scale).permute(0, 2, 3, 1)  # [R, ph, pw, C]
    pooled64 = roi_pool(fmap.double().permute(0, 3, 1, 2), rois.double(), output_size=size, spatial_scale=scale)
    assert torch.equal(pooled.double(), pooled64.permute(0, 2, 3, 1)), name
    out = pooled * scores.view(-1, 1, 1, 1) if with_scores else pooled
    (out * weights * valid.float().view(-1, 1, 1, 1)).sum().backward()
    grad = x.grad.permute(0, 2, 3, 1)
    # sanity: the torchvision gradient of the malformed rows alone is not zero (else the rule is untested)
    if any(malformed):
        x2 = fmap.permute(0, 3, 1, 2).clone().requires_grad_(True)
        p2 = roi_pool(x2, rois, output_size=size, spatial_scale=scale).permute(0, 2, 3, 1)
        (p2 * weights * (1 - valid).float().view(-1, 1, 1, 1)).sum().backward()
        assert x2.grad.abs().sum() > 0, name
    case = {
        'name': name,
        'map': {'shape': list(fmap.shape), 'data': flat(fmap)},
        'boxes': boxes.tolist(),
        'boxIndices': [int(i) for i in indices],
        'spatialScale': scale,
        'outputSize': list(size),
        'malformed': malformed,
        'weights': {'shape': list(weights.shape), 'data': flat(weights)},
        'out': {'shape': list(out.shape), 'data': flat(out)},
        'grad': {'shape': list(grad.shape), 'data': flat(grad)},
    }
    if with_scores:
        case['scores'] = flat(scores)
    return case


def tied_bins(fmap, boxes, indices, scale, size):
    """Bins (per channel) whose maximum occurs more than once: the first-max rule matters there."""
    n = 0
    _, h, w, c = fmap.shape
    for b, bi in zip(boxes, indices):
        sw, sh, ew, eh = (c_round(v * scale) for v in b)
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        for i in range(size[0]):
            hs = min(max(math.floor(i * rh / size[0]) + sh, 0), h)
            he = min(max(math.ceil((i + 1) * rh / size[0]) + sh, 0), h)
            for j in range(size[1]):
                ws = min(max(math.floor(j * rw / size[1]) + sw, 0), w)
                we = min(max(math.ceil((j + 1) * rw / size[1]) + sw, 0), w)
                if he <= hs or we <= ws:
                    continue
                region = fmap[bi, hs:he, ws:we, :].reshape(-1, c)
                n += int(((region == region.max(0).values).sum(0) > 1).sum())
    return n


cases = []

# 1/8 of a 128 × 128 image: 16 × 16 map, 7 × 7 bins, scores
map_a = torch.randn(2, 16, 16, 6)
boxes_a = [
    [0, 0, 127, 127],  # whole image
    [-4, 12, 60, 100],  # x1·s = -0.5 → -1 (JS Math.round: -0); y1·s = 1.5 → 2
    [20, -4, 84.5, 36],  # 2.5 → 3, -0.5 → -1, 10.5625 → 11, 4.5 → 5
    [96, 100, 200, 180],  # beyond the right and bottom edges: clamped, empty bins
    [140, 140, 180, 190],  # entirely outside: every bin empty → 0
    [50, 50, 53, 52],  # 2 × 2 cells, smaller than a 7 × 7 bin grid
    [40, 30, 20, 60],  # malformed in x: 5 → 2.5 → 3
    [10, 70, 50, 44],  # malformed in y: 8.75 → 9, 5.5 → 6
    [8, 16, 120, 90],  # second image
    [-20, -20, 30, 30],  # second image, -2.5 → -3 (JS Math.round: -2)
]
idx_a = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
cases.append(make_case('scale 1/8, 7x7, scores', map_a, boxes_a, idx_a, 1 / 8, (7, 7), True))

# 1/4 of a 40 × 48 image: 10 × 12 map, 3 × 2 bins, no scores
map_b = torch.randn(2, 10, 12, 4)
boxes_b = [
    [0, 0, 47, 39],
    [2, 6, 30, 22],  # 0.5 → 1, 1.5 → 2, 7.5 → 8, 5.5 → 6
    [-2, -6, 10, 50],  # -0.5 → -1, -1.5 → -2, 2.5 → 3, 12.5 → 13 (clamped)
    [20, 20, 21, 21],  # one cell
    [30, 10, 10, 30],  # malformed in x
    [44, 36, 60, 50],  # the bottom-right corner and beyond
    [6, 2, 46, 18],  # second image
]
idx_b = [0, 0, 1, 1, 1, 0, 1]
cases.append(make_case('scale 1/4, 3x2, no scores', map_b, boxes_b, idx_b, 1 / 4, (3, 2), False))

# 1/2 of an 18 × 22 image: 9 × 11 quantised post-ReLU map (many equal values, zeros) → tied maxima
map_c = torch.relu(torch.floor(torch.randn(2, 9, 11, 3) * 2)) / 2
boxes_c = [
    [0, 0, 21, 17],
    [1, 3, 15, 12],  # 0.5 → 1, 1.5 → 2, 7.5 → 8, 6
    [-1, -1, 8, 9],  # -0.5 → -1, 4, 4.5 → 5
    [5, 5, 6, 6],  # 2.5 → 3, 3: one cell
    [12, 4, 6, 16],  # malformed in x
    [15, 11, 30, 25],  # beyond the edges
    [3, 2, 19, 15],  # second image
]
idx_c = [0, 0, 0, 0, 0, 0, 1]
for size in [(3, 2), (7, 7)]:
    assert tied_bins(map_c, boxes_c, idx_c, 0.5, size) > 0
    cases.append(make_case(f'scale 1/2, {size[0]}x{size[1]}, tied maxima, scores', map_c, boxes_c, idx_c, 0.5, size, True))

path = os.path.join('packages', 'models', 'test', 'fixtures', 'roi-max-pool.golden.json')
with open(path, 'w') as f:
    json.dump({'cases': cases}, f, indent=1)
print('wrote', path, [(c['name'], tied_bins(torch.tensor(c['map']['data']).view(c['map']['shape']), c['boxes'], c['boxIndices'], c['spatialScale'], c['outputSize'])) for c in cases])
