"""Reference trajectories for the trainer's optimizers and gradient clipping (torch.optim semantics).

Run: /usr/bin/python3 tools/golden/optimizers.py
Writes packages/trainer/src/__fixtures__/optimizers.golden.json (committed).
Each case minimises f(w) = sum(a * w**2 + b * w) + 0.5*sum(w)**2 (coupled, so directions interact)
for 5 steps from fixed w0 and records w after every step.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'trainer', 'src', '__fixtures__', 'optimizers.golden.json')

a = torch.tensor([0.5, 1.0, 2.0, 0.1])
b = torch.tensor([0.3, -0.2, 0.1, 1.0])
w0 = [1.0, -2.0, 0.5, 3.0]


def f(w):
    return (a * w * w + b * w).sum() + 0.5 * w.sum() ** 2


def run(make, lrs):
    w = torch.tensor(w0, requires_grad=True)
    opt = make([w])
    traj = []
    for lr in lrs:
        for g in opt.param_groups:
            g['lr'] = lr
        opt.zero_grad()
        f(w).backward()
        opt.step()
        traj.append(w.detach().tolist())
    return traj


class BertAdamW(torch.optim.Optimizer):
    """pytorch-transformers' AdamW as VL-BERT / RVL-BERT ship it (common/nlp/bert/optimization.py, read at
    coldmanck/RVL-BERT 8acf083): eps added to the UNcorrected sqrt(v), step size lr*sqrt(1-b2^t)/(1-b1^t),
    then decoupled decay of the already updated weights."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group['betas']
            for p in group['params']:
                st = self.state[p]
                if not st:
                    st['step'] = 0
                    st['m'] = torch.zeros_like(p)
                    st['v'] = torch.zeros_like(p)
                st['step'] += 1
                st['m'].mul_(b1).add_(p.grad, alpha=1 - b1)
                st['v'].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = st['v'].sqrt().add_(group['eps'])
                size = group['lr'] * math.sqrt(1 - b2 ** st['step']) / (1 - b1 ** st['step'])
                p.addcdiv_(st['m'], denom, value=-size)
                if group['weight_decay'] > 0:
                    p.add_(p, alpha=-group['lr'] * group['weight_decay'])


lrs = [0.1, 0.1, 0.05, 0.05, 0.02]
cases = {
    'sgd': dict(cfg=dict(type='sgd', momentum=0.0, nesterov=False, weightDecay=0.0),
                traj=run(lambda p: torch.optim.SGD(p, lr=0.1), lrs)),
    'sgd_momentum_wd': dict(cfg=dict(type='sgd', momentum=0.9, nesterov=False, weightDecay=5e-4),
                            traj=run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4), lrs)),
    'sgd_nesterov': dict(cfg=dict(type='sgd', momentum=0.9, nesterov=True, weightDecay=1e-4),
                         traj=run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), lrs)),
    'adam': dict(cfg=dict(type='adam', weightDecay=1e-2, beta1=0.9, beta2=0.999, eps=1e-8),
                 traj=run(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=1e-2), lrs)),
    'adamw': dict(cfg=dict(type='adamw', weightDecay=0.1, beta1=0.8, beta2=0.99, eps=1e-8),
                  traj=run(lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.8, 0.99), weight_decay=0.1), lrs)),
    # a large eps and decay so that where each goes shows in 5 decimals
    'adamw_bert': dict(cfg=dict(type='adamw', variant='bert', weightDecay=0.5, beta1=0.8, beta2=0.99, eps=0.05),
                       traj=run(lambda p: BertAdamW(p, lr=0.1, betas=(0.8, 0.99), eps=0.05, weight_decay=0.5), lrs)),
    'adamw_torch_same_settings': dict(cfg=dict(type='adamw', weightDecay=0.5, beta1=0.8, beta2=0.99, eps=0.05),
                                      traj=run(lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.8, 0.99), eps=0.05, weight_decay=0.5), lrs)),
}

# clip_grad_norm_
g1 = torch.tensor([3.0, 4.0], requires_grad=False)
g2 = torch.tensor([[12.0]])
p1 = torch.zeros(2, requires_grad=True)
p2 = torch.zeros(1, 1, requires_grad=True)
p1.grad = g1.clone()
p2.grad = g2.clone()
norm = torch.nn.utils.clip_grad_norm_([p1, p2], max_norm=5.0)
clip = dict(max_norm=5.0, grads=[g1.tolist(), g2.tolist()], norm=float(norm), clipped=[p1.grad.tolist(), p2.grad.tolist()])

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as fh:
    json.dump(dict(source='tools/golden/optimizers.py', torch=torch.__version__, a=a.tolist(), b=b.tolist(), w0=w0, lrs=lrs,
                   cases=cases, clip=clip), fh, indent=1)
print('wrote', os.path.normpath(OUT))
