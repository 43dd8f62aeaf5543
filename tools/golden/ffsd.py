#!/usr/bin/env python3
"""Golden values for @kd/method-ffsd, computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/ffsd.py      (from the workspace root)

Writes packages/method-ffsd/src/__fixtures__/ffsd.golden.json

Conventions (as tools/golden/kd_fitnet.py)
  * Inputs are drawn with torch.manual_seed in float32; reference values are computed in float64 from
    those float32 numbers.
  * Arrays are stored flat next to their shape in the TensorFlow.js layout: feature maps NCHW -> NHWC;
    conv weights [out, in, kh, kw] -> [kh, kw, in, out]; depthwise [C, 1, kh, kw] -> [kh, kw, C, 1];
    transposed-conv weights [in, out, kh, kw] -> [kh, kw, out, in]; Linear [out, in] -> [in, out].
  * The formulas follow the official FFSD code (github.com/SJLeo/FFSD, CIFARTrainer.py,
    models/fusion_module.py, models/self_distillation.py), re-written here:
      a(F)         = F.pow(2).mean(1)  (channel mean of squares), flattened per sample
      l(x, y)      = mean((normalize(a(x)) - normalize(a(y)))^2)       ("attention/fusion loss")
      l_vec(x, y)  = mean((normalize(x.flatten) - normalize(y.flatten))^2)   (SD "feature" loss)
      shift target: n = |a(y)|, yh = normalize(a(y)), theta = floor(HW/3)-th smallest of yh,
                    t = (n/2 - yh) * sign(yh - theta) + n/2;   L_div = mean((normalize(a(x)) - t)^2)
      shifted map : y + (t - yh) * n / C, broadcast over channels
      warm-up     : lambda * exp(-5 (1 - e/alpha)^2) for e <= alpha
      KL_T(t || s) = T^2 * kl_div(log_softmax(s/T), softmax(t/T), batchmean)
  * Every loss term of the method is computed once per case with all networks' taps as leaf tensors;
    its gradient with respect to every input and module parameter is stored where it is non-zero
    (an absent entry means "no gradient", which the TypeScript test checks as exactly zero).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'method-ffsd', 'src', '__fixtures__', 'ffsd.golden.json')


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def nchw_of_nhwc(t):
    return t.permute(0, 3, 1, 2)


# ---- the primitives ---------------------------------------------------------------------------

def att(f):
    return f.pow(2).mean(1).reshape(f.size(0), -1)


def vec_loss(x, y):
    return (F.normalize(x.reshape(x.size(0), -1)) - F.normalize(y.reshape(y.size(0), -1))).pow(2).mean()


def att_loss(x, y):
    return vec_loss(att(x), att(y))


def shift(a, norm='raw'):
    n = torch.norm(a, dim=1, keepdim=True)
    yh = F.normalize(a)
    k = a.size(1) // 3
    theta = yh.topk(k, largest=False)[0][:, -1:]
    half = n / 2 if norm == 'raw' else torch.full_like(n, 0.5)
    target = (half - yh) * torch.sign(yh - theta) + half
    return yh, n, theta, target


def diversity(x_map, y_map, norm='raw'):
    _, _, _, target = shift(att(y_map), norm)
    return (F.normalize(att(x_map)) - target).pow(2).mean()


def shifted_map(y, norm='raw'):
    yh, n, _, target = shift(att(y), norm)
    b, c, h, w = y.shape
    return y + ((target - yh) * n / c).reshape(b, 1, h, w)


def warmup(epoch, alpha):
    if alpha <= 0 or epoch > alpha:
        return 1.0
    return math.exp(-5 * (1 - epoch / alpha) ** 2)


def kl(student, teacher, T):
    return F.kl_div(F.log_softmax(student / T, 1), F.softmax(teacher / T, 1), reduction='batchmean') * T * T


# ---- modules (our re-statement of the official ones) ------------------------------------------

class DwPw(nn.Module):
    """depthwise 3x3 + BN + ReLU -> 1x1 conv + BN + ReLU"""

    def __init__(self, cin, cout):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn2(self.pw(F.relu(self.bn1(self.dw(x))))))

    def export(self, prefix):
        return {
            f'{prefix}depthwise.weight': self.dw.weight.permute(2, 3, 0, 1),
            f'{prefix}pointwise.weight': self.pw.weight.permute(2, 3, 1, 0),
            **bn_export(self.bn1, f'{prefix}bn1.'),
            **bn_export(self.bn2, f'{prefix}bn2.'),
        }


class Fusion(nn.Module):
    def __init__(self, c, m, classes):
        super().__init__()
        self.body = DwPw(c * m, c)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        fused = self.body(x)
        return fused, self.fc(fused.mean((2, 3)))

    def export(self):
        return {**self.body.export('body.'), 'fc.weight': self.fc.weight.t(), 'fc.bias': self.fc.bias}


class SD(nn.Module):
    def __init__(self, c, blocks):
        super().__init__()
        self.deconvs = nn.ModuleList()
        self.bns = nn.ModuleList()
        for _ in range(blocks):
            self.deconvs.append(nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1, bias=False))
            self.bns.append(nn.BatchNorm2d(c // 2))
            c //= 2

    def forward(self, x):
        outs = []
        for d, b in zip(self.deconvs, self.bns):
            x = F.relu(b(d(x)))
            outs.append(x)
        return outs[::-1]  # shallow-first

    def export(self):
        out = {}
        for i, (d, b) in enumerate(zip(self.deconvs, self.bns)):
            out[f'block{i}.deconv.weight'] = d.weight.permute(2, 3, 1, 0)
            out.update(bn_export(b, f'block{i}.bn.'))
        return out


def bn_export(bn, prefix):
    return {
        f'{prefix}gamma': bn.weight,
        f'{prefix}beta': bn.bias,
        f'{prefix}running_mean': bn.running_mean,
        f'{prefix}running_var': bn.running_var,
    }


def randomize(module):
    """non-trivial BN affine parameters and running statistics (float32 draws, then float64)"""
    for mod in module.modules():
        if isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.data = (1 + 0.2 * torch.randn(c)).float()
            mod.bias.data = (0.1 * torch.randn(c)).float()
            mod.running_mean.data = (0.1 * torch.randn(c)).float()
            mod.running_var.data = (0.5 + torch.rand(c)).float()
    return module.double()


# ---- the primitive fixtures -----------------------------------------------------------------------

def primitives():
    torch.manual_seed(1)
    x = torch.relu(torch.randn(3, 5, 6, 6)).float()
    y = torch.relu(torch.randn(3, 7, 6, 6)).float()
    xv = x.double().requires_grad_(True)
    loss = att_loss(xv, y.double())
    (gx,) = torch.autograd.grad(loss, xv)
    vx = x.double().requires_grad_(True)
    yv = torch.relu(torch.randn(3, 5, 6, 6)).float()
    vloss = vec_loss(vx, yv.double())
    (gvx,) = torch.autograd.grad(vloss, vx)
    shifts = {}
    for norm in ('raw', 'unit'):
        yh, n, theta, target = shift(att(y.double()), norm)
        cur = x.double().requires_grad_(True)
        dl = diversity(cur, y.double(), norm)
        (gcur,) = torch.autograd.grad(dl, cur)
        shifts[norm] = {
            'normalized': arr(yh), 'rawNorm': arr(n), 'threshold': arr(theta), 'target': arr(target),
            'diversityLoss': dl.item(), 'gradCurrent': arr(nhwc(gcur)),
            'shiftedMap': arr(nhwc(shifted_map(y.double(), norm))),
        }
    warm = [{'epoch': e, 'alpha': a, 'factor': warmup(e, a)} for a in (5, 2, 0) for e in range(1, 8)]
    # transposed conv alone (k3 s2 p1 op1) on a 3x3 map
    torch.manual_seed(2)
    deconv = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, bias=False)
    dx = torch.randn(2, 4, 3, 3).float()
    dxv = dx.double().requires_grad_(True)
    dout = deconv.double()(dxv)
    probe = torch.randn(dout.shape).double()
    (gdx, gdw) = torch.autograd.grad((dout * probe).sum(), [dxv, deconv.weight])
    return {
        'attention': {
            'x': arr(nhwc(x)), 'y': arr(nhwc(y)), 'mapX': arr(att(x.double())), 'loss': loss.item(), 'gradX': arr(nhwc(gx)),
            'vecY': arr(nhwc(yv)), 'vecLoss': vloss.item(), 'vecGradX': arr(nhwc(gvx)),
        },
        'shift': shifts,
        'warmup': warm,
        'convTranspose': {
            'x': arr(nhwc(dx)), 'weight': arr(deconv.weight.permute(2, 3, 1, 0)), 'out': arr(nhwc(dout)),
            'probe': arr(nhwc(probe)), 'gradX': arr(nhwc(gdx)), 'gradWeight': arr(gdw.permute(2, 3, 1, 0)),
        },
    }


# ---- every loss term of the method on fixed taps ------------------------------------------------

TAPS = ['stage1', 'stage2', 'stage3']
SHAPES = [(2, 12, 12), (4, 6, 6), (8, 3, 3)]  # C, H, W: each stage halves H, W and doubles C
B, M, CLASSES = 2, 3, 5
HP = {'T': 2.0, 'lambdaDiversity': 1e-5, 'lambdaFusion': 10.0, 'lambdaSelfDistillation': 1000.0, 'warmupEpochs': 5}
EPOCH = 2


def terms_fixture():
    torch.manual_seed(3)
    nets = []  # index 0 = leader, 1..M = common students
    for _ in range(M + 1):
        taps = {name: torch.relu(torch.randn(B, *shape)).float() for name, shape in zip(TAPS, SHAPES)}
        taps['logits'] = (2 * torch.randn(B, CLASSES)).float()
        nets.append(taps)
    labels = torch.randint(0, CLASSES, (B,))
    c = SHAPES[-1][0]
    fusion = randomize(Fusion(c, M, CLASSES))
    trans = randomize(DwPw(c, c * M))
    sd_leader = randomize(SD(c, len(TAPS) - 1))
    sd_peers = {i: randomize(SD(c, len(TAPS) - 1)) for i in range(2, M + 1)}  # none for the first common student
    modules = {'fusion': fusion, 'trans': trans, 'sdLeader': sd_leader, **{f'sdPeer{i}': m for i, m in sd_peers.items()}}
    weights = {'fusion': fusion.export(), 'trans': {f'body.{k}': v for k, v in DwPw.export(trans, '').items()},
               'sdLeader': sd_leader.export(), **{f'sdPeer{i}': m.export() for i, m in sd_peers.items()}}
    fixture_weights = {name: {k: arr(v) for k, v in w.items()} for name, w in weights.items()}
    state0 = {name: {k: v.detach().clone() for k, v in m.state_dict().items()} for name, m in modules.items()}

    f = warmup(EPOCH, HP['warmupEpochs'])
    lam_div, lam_fus, lam_sd = HP['lambdaDiversity'] * f, HP['lambdaFusion'] * f, HP['lambdaSelfDistillation'] * f
    T = HP['T']

    def compute(term):
        for name, m in modules.items():
            m.load_state_dict(state0[name])
        leaves = [{k: v.double().requires_grad_(True) for k, v in net.items()} for net in nets]
        L, P = leaves[0], leaves[1:]
        deep = [p[TAPS[-1]] for p in P]
        z = [p['logits'] for p in P]
        y = labels
        shallow = TAPS[:-1]
        if term == 'peer_ce':
            loss = sum(F.cross_entropy(zi, y) for zi in z)
        elif term == 'dml':
            loss = sum(sum(kl(z[i], z[j].detach(), T) for j in range(M) if j != i) / (M - 1) for i in range(M))
        elif term == 'leader_dml':
            loss = sum(kl(L['logits'], zj.detach(), T) for zj in z) / M
        elif term == 'div':
            loss = lam_div * sum(diversity(deep[i], deep[i - 1].detach()) for i in range(1, M))
        elif term == 'peer_sd':
            parts = []
            for i in range(1, M):
                sd = sd_peers[i + 1]
                sd.eval()
                targets = sd(shifted_map(deep[i - 1].detach()))
                parts += [att_loss(P[i][name], targets[k].detach()) for k, name in enumerate(shallow)]
            loss = lam_div * sum(parts)
        elif term == 'leader_trans':
            concat = torch.cat([d.detach() for d in deep], 1)
            trans.train()
            loss = lam_fus * att_loss(trans(L[TAPS[-1]]), concat)
        elif term in ('fusion_ce', 'fusion_kl', 'leader_kl', 'leader_fusion', 'leader_sd'):
            concat = torch.cat([d.detach() for d in deep], 1)
            fusion.train()
            fused, zf = fusion(concat)
            if term == 'fusion_ce':
                loss = F.cross_entropy(zf, y)
            elif term == 'fusion_kl':
                loss = kl(zf, (sum(z) / M).detach(), T)
            elif term == 'leader_kl':
                loss = kl(L['logits'], zf.detach(), T)
            elif term == 'leader_fusion':
                loss = lam_fus * att_loss(L[TAPS[-1]], fused.detach())
            else:
                sd_leader.eval()
                targets = sd_leader(fused.detach())
                loss = lam_fus * sum(att_loss(L[name], targets[k].detach()) for k, name in enumerate(shallow))
        elif term == 'sd_train':
            parts = []
            pairs = [(sd_leader, L)] + [(sd_peers[i + 1], P[i]) for i in range(1, M)]
            for sd, net in pairs:
                sd.train()
                recon = sd(net[TAPS[-1]].detach())
                for k, name in enumerate(shallow):
                    target = net[name].detach()
                    parts += [vec_loss(recon[k], target), att_loss(recon[k], target)]
            loss = lam_sd * sum(parts)
        else:
            raise ValueError(term)
        inputs, names = [], []
        for n_i, net in enumerate(leaves):
            who = 'leader' if n_i == 0 else f'peer{n_i}'
            for k, v in net.items():
                inputs.append(v)
                names.append(f'{who}.{k}')
        for mname, mod in modules.items():
            for pname, p in mod.named_parameters():
                inputs.append(p)
                names.append(f'{mname}::{pname}')
        grads = torch.autograd.grad(loss, inputs, allow_unused=True)
        out = {}
        param_paths = {mname: param_path_map(mod) for mname, mod in modules.items()}
        for n_, g in zip(names, grads):
            if g is None or g.abs().max().item() == 0:
                continue
            if '::' in n_:
                mname, pname = n_.split('::')
                path, conv = param_paths[mname][pname]
                out[f'{mname}::{path}'] = arr(conv(g))
            else:
                out[n_] = arr(nhwc(g) if g.dim() == 4 else g)
        running = {}
        for mname, mod in modules.items():
            for k, v in mod.state_dict().items():
                if 'running' in k and not torch.equal(v, state0[mname][k]):
                    path, _ = param_path_map(mod, buffers=True)[k]
                    running[f'{mname}::{path}'] = arr(v)
        return {'term': term, 'loss': loss.item(), 'grads': out, 'runningAfter': running}

    terms = ['peer_ce', 'dml', 'leader_dml', 'div', 'peer_sd', 'fusion_ce', 'fusion_kl', 'leader_kl', 'leader_fusion',
             'leader_trans', 'leader_sd', 'sd_train']
    fusion.train()
    with torch.no_grad():
        fused, zf = fusion(torch.cat([nets[i][TAPS[-1]].double() for i in range(1, M + 1)], 1))
    fusion.load_state_dict(state0['fusion'])
    return {
        'taps': TAPS, 'commonStudents': M, 'numClasses': CLASSES, 'hparams': HP, 'epoch': EPOCH,
        'labels': [int(v) for v in labels.tolist()],
        'networks': [{k: arr(nhwc(v) if v.dim() == 4 else v) for k, v in net.items()} for net in nets],
        'weights': fixture_weights,
        'fusionForward': {'fused': arr(nhwc(fused)), 'logits': arr(zf)},
        'terms': [compute(t) for t in terms],
    }


def param_path_map(mod, buffers=False):
    """torch parameter name -> (our variable path, layout converter)"""
    ident = lambda t: t  # noqa: E731
    hwio = lambda t: t.permute(2, 3, 1, 0)  # noqa: E731
    dw = lambda t: t.permute(2, 3, 0, 1)  # noqa: E731
    out = {}
    names = [n for n, _ in (mod.named_buffers() if buffers else mod.named_parameters())]
    for n in names:
        parts = n.split('.')
        leaf = parts[-1]
        bnleaf = {'weight': 'gamma', 'bias': 'beta', 'running_mean': 'running_mean', 'running_var': 'running_var'}
        if isinstance(mod, Fusion):
            if parts[0] == 'fc':
                out[n] = (f'fc.{leaf}', (lambda t: t.t()) if leaf == 'weight' else ident)
                continue
            sub, rest = 'body.', parts[1:]
        elif isinstance(mod, DwPw):
            sub, rest = 'body.', parts
        else:  # SD
            kind, idx = parts[0], parts[1]
            if kind == 'deconvs':
                out[n] = (f'block{idx}.deconv.weight', hwio)
            elif leaf in bnleaf:
                out[n] = (f'block{idx}.bn.{bnleaf[leaf]}', ident)
            continue
        layer = rest[0]
        if layer == 'dw':
            out[n] = (f'{sub}depthwise.weight', dw)
        elif layer == 'pw':
            out[n] = (f'{sub}pointwise.weight', hwio)
        elif leaf in bnleaf:
            out[n] = (f'{sub}{layer}.{bnleaf[leaf]}', ident)
    return out


def main():
    data = {'generator': 'tools/golden/ffsd.py', 'torch': torch.__version__, **primitives(), 'step': terms_fixture()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as fh:
        json.dump(data, fh)
    print(f'wrote {OUT} ({os.path.getsize(OUT) // 1024} KiB)')


if __name__ == '__main__':
    main()
