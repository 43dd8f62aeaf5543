#!/usr/bin/env python3
"""Golden values for the crop teacher's crops (@kd/models region-crops.ts), computed with torchvision.

Run:  /usr/bin/python3 tools/golden/region_crops.py      (from the workspace root)
Writes packages/models/test/fixtures/region-crops.golden.json

Each box [x1, y1, x2, y2] (pixels) is scaled by a context factor about its centre (ViLD embeds 1x and
1.5x crops; DetPro's boxto15: x1' = 1.25 x1 - 0.25 x2, ...), clipped to the image, and cropped and
resized by torchvision.ops.roi_align(images NCHW, rois [K, 5], output_size, spatial_scale=1,
sampling_ratio, aligned=True) on the image itself. Inputs float32 from torch.manual_seed; the
reference runs in float64.
"""
import json
import os

import torch
from torchvision.ops import roi_align

torch.manual_seed(21)
B, H, W, C = 2, 12, 10, 3
images = torch.rand(B, H, W, C)  # NHWC, as kd stores images
boxes = torch.tensor([
    [[1.0, 2.0, 6.0, 9.0], [0.0, 0.0, 10.0, 12.0], [7.5, 8.25, 9.75, 11.5]],
    [[3.2, 1.1, 4.9, 3.3], [0.0, 6.0, 3.0, 12.0], [0.0, 0.0, 0.0, 0.0]],  # the last: a zero-padded proposal
])
R = boxes.shape[1]


def enlarge(b, factor):
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    hw, hh = (b[:, 2] - b[:, 0]) * factor / 2, (b[:, 3] - b[:, 1]) * factor / 2
    return torch.stack([(cx - hw).clamp(0, W), (cy - hh).clamp(0, H), (cx + hw).clamp(0, W), (cy + hh).clamp(0, H)], 1)


flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {'images': {'shape': [B, H, W, C], 'data': flat(images)}, 'boxes': {'shape': [B, R, 4], 'data': flat(boxes)}, 'cases': []}
for factor, size, sampling in [(1.0, (6, 5), 1), (1.5, (6, 5), 2), (1.5, (4, 7), 3)]:
    b = boxes.reshape(-1, 4).double()
    e = enlarge(b, factor)
    rois = torch.cat([torch.arange(B).repeat_interleave(R).double().unsqueeze(1), e], 1)
    crops = roi_align(images.double().permute(0, 3, 1, 2), rois, output_size=size, spatial_scale=1.0, sampling_ratio=sampling, aligned=True)
    crops = crops.permute(0, 2, 3, 1)  # back to NHWC: [B*R, h, w, C]
    out['cases'].append({'factor': factor, 'size': list(size), 'sampling': sampling, 'enlarged': flat(e), 'crops': {'shape': list(crops.shape), 'data': flat(crops)}})

path = os.path.join('packages', 'models', 'test', 'fixtures', 'region-crops.golden.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
