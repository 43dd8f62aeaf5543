#!/usr/bin/env python3
"""PyTorch twins of @kd/models' architectures (RepDistiller-style definitions).

Prints the exact trainable-parameter counts (conv + BN weight/bias + fc; BN running stats are
buffers and not counted) that src/param-counts.test.ts checks, and writes a small numerics fixture
(test/fixtures/torch-twins.json): weights (integers q, value = q / scale) in @kd/models' layout and names (conv [kh,kw,in,out],
linear [in,out], BN gamma/beta/running_mean/running_var), an odd-sized NHWC input, and the logits
PyTorch computes in eval and train mode.

    /usr/bin/python3 packages/models/tools/torch_twins.py            # counts only
    /usr/bin/python3 packages/models/tools/torch_twins.py --fixture  # also rewrite the fixture
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + (self.downsample(x) if self.downsample is not None else x)
        return F.relu(out)


class ResNet(nn.Module):
    """RepDistiller models/resnet.py (basicblock), with global average pooling."""

    def __init__(self, depth, num_filters, num_classes=10, in_ch=3):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_ch, num_filters[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_filters[0])
        self.inplanes = num_filters[0]
        self.layer1 = self._make_layer(num_filters[1], n, 1)
        self.layer2 = self._make_layer(num_filters[2], n, 2)
        self.layer3 = self._make_layer(num_filters[3], n, 2)
        self.fc = nn.Linear(num_filters[3], num_classes)

    def _make_layer(self, planes, blocks, stride):
        layers = [BasicBlock(self.inplanes, planes, stride)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(dim=(2, 3)))


class WideBlock(nn.Module):
    def __init__(self, in_planes, out_planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, out_planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)
        self.conv2 = nn.Conv2d(out_planes, out_planes, 3, 1, 1, bias=False)
        self.equal = in_planes == out_planes
        self.convShortcut = None if self.equal else nn.Conv2d(in_planes, out_planes, 1, stride, 0, bias=False)

    def forward(self, x):
        a = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(a))))
        return out + (x if self.equal else self.convShortcut(a))


class NetworkBlock(nn.Module):
    def __init__(self, n, in_planes, out_planes, stride):
        super().__init__()
        self.layer = nn.Sequential(*[WideBlock(in_planes if i == 0 else out_planes, out_planes, stride if i == 0 else 1) for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    """RepDistiller models/wrn.py (dropout 0), with global average pooling."""

    def __init__(self, depth, widen, num_classes=10, in_ch=3):
        super().__init__()
        c = [16, 16 * widen, 32 * widen, 64 * widen]
        n = (depth - 4) // 6
        self.conv1 = nn.Conv2d(in_ch, c[0], 3, 1, 1, bias=False)
        self.block1 = NetworkBlock(n, c[0], c[1], 1)
        self.block2 = NetworkBlock(n, c[1], c[2], 2)
        self.block3 = NetworkBlock(n, c[2], c[3], 2)
        self.bn1 = nn.BatchNorm2d(c[3])
        self.fc = nn.Linear(c[3], num_classes)

    def forward(self, x):
        x = self.block3(self.block2(self.block1(self.conv1(x))))
        return self.fc(F.relu(self.bn1(x)).mean(dim=(2, 3)))


class SmallCnn(nn.Module):
    def __init__(self, width=16, num_classes=10, in_ch=1):
        super().__init__()
        w = [width, 2 * width, 4 * width]
        self.conv1 = nn.Conv2d(in_ch, w[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w[0])
        self.conv2 = nn.Conv2d(w[0], w[1], 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w[1])
        self.conv3 = nn.Conv2d(w[1], w[2], 3, 1, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(w[2])
        self.fc = nn.Linear(w[2], num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(F.max_pool2d(x, 2))))
        x = F.relu(self.bn3(self.conv3(F.max_pool2d(x, 2))))
        return self.fc(x.mean(dim=(2, 3)))


class TransformerClassifier(nn.Module):
    """Twin of @kd/models' TransformerClassifier: Linear embedding + learned positions, PyTorch's
    post-norm (or pre-norm) nn.TransformerEncoder without dropout, mean pool, Linear head."""

    def __init__(self, tokens, features, num_classes=10, layers=4, d_model=128, heads=4, ffn=512, norm_first=False):
        super().__init__()
        self.embed = nn.Linear(features, d_model)
        self.pos = nn.Parameter(torch.randn(tokens, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, ffn, dropout=0.0, batch_first=True, norm_first=norm_first)
        self.layers = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d_model) if norm_first else None,
                                            enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, num_classes)

    def forward(self, x):
        return self.fc(self.layers(self.embed(x) + self.pos).mean(dim=1))


SCALE = 4096


def count(m):
    return sum(p.numel() for p in m.parameters())


TWINS = {
    # id: (factory(in_ch) , note)
    'resnet8': lambda c: ResNet(8, [16, 16, 32, 64], in_ch=c),
    'resnet14': lambda c: ResNet(14, [16, 16, 32, 64], in_ch=c),
    'resnet20': lambda c: ResNet(20, [16, 16, 32, 64], in_ch=c),
    'resnet32': lambda c: ResNet(32, [16, 16, 32, 64], in_ch=c),
    'resnet56': lambda c: ResNet(56, [16, 16, 32, 64], in_ch=c),
    'resnet8x4': lambda c: ResNet(8, [32, 64, 128, 256], in_ch=c),
    'resnet32x4': lambda c: ResNet(32, [32, 64, 128, 256], in_ch=c),
    'wrn-16-2': lambda c: WideResNet(16, 2, in_ch=c),
    'wrn-40-2': lambda c: WideResNet(40, 2, in_ch=c),
    'cnn': lambda c: SmallCnn(16, in_ch=c),
}


def export_weights(model):
    """state_dict in @kd/models' layout and names."""
    out = {}
    for name, t in model.state_dict().items():
        if name.endswith('num_batches_tracked'):
            continue
        module_name, _, leaf = name.rpartition('.')
        module = model.get_submodule(module_name)
        if isinstance(module, nn.BatchNorm2d):
            leaf = {'weight': 'gamma', 'bias': 'beta'}.get(leaf, leaf)
        if isinstance(module, nn.Conv2d) and leaf == 'weight':
            t = t.permute(2, 3, 1, 0)
        elif isinstance(module, nn.Linear) and leaf == 'weight':
            t = t.t()
        q = torch.round(t.contiguous().flatten() * SCALE).to(torch.int64).tolist()
        out[f'{module_name}.{leaf}'] = {'shape': list(t.shape), 'q': q}
    return out


def fixture_case(model, input_nchw):
    g = torch.Generator().manual_seed(1)
    input_nchw = torch.round(input_nchw * SCALE) / SCALE
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):  # non-trivial BN state so eval mode is a real test
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(1 + 0.3 * torch.rand(m.running_var.shape, generator=g))
            # weights on a 1/4096 grid, stored as integers: a compact fixture, exact in float32
            for p in list(model.parameters()) + [b for b in model.buffers() if b.dtype.is_floating_point]:
                p.copy_(torch.round(p * SCALE) / SCALE)
        weights = export_weights(model)
        model.eval()
        eval_logits = model(input_nchw)
        model.train()
        train_logits = model(input_nchw)
    x = input_nchw.permute(0, 2, 3, 1)
    return {
        'scale': SCALE,
        'weights': weights,
        'x': {'shape': list(x.shape), 'q': torch.round(x.flatten() * SCALE).to(torch.int64).tolist()},
        'evalLogits': eval_logits.flatten().tolist(),
        'trainLogits': train_logits.flatten().tolist(),
    }


def main():
    counts = {}
    for arch, make in TWINS.items():
        counts[arch] = {'in3': count(make(3)), 'in1': count(make(1))}
    # sequence models: [tokens, features] inputs instead of image channels
    counts['transformer'] = {'in48x32': count(TransformerClassifier(48, 32)),
                             'in48x32-prenorm': count(TransformerClassifier(48, 32, norm_first=True))}
    print(json.dumps({'numClasses': 10, 'counts': counts}, indent=2))
    if '--fixture' in sys.argv:
        torch.manual_seed(0)
        cases = {
            # odd spatial size: stride-2 3x3 convs with pad 1 and 1x1 shortcuts must agree with PyTorch
            'resnet8-w4': fixture_case(ResNet(8, [4, 4, 8, 16], num_classes=5, in_ch=3), torch.randn(2, 3, 9, 9)),
            'wrn-10-1': fixture_case(WideResNet(10, 1, num_classes=5, in_ch=2), torch.randn(2, 2, 7, 7)),
            'cnn-w4': fixture_case(SmallCnn(4, num_classes=5, in_ch=1), torch.randn(2, 1, 11, 11)),
        }
        path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-twins.json')
        with open(path, 'w') as f:
            json.dump(cases, f)
        print(f'wrote {os.path.normpath(path)}', file=sys.stderr)


if __name__ == '__main__':
    main()
