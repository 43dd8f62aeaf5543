#!/usr/bin/env python3
"""Golden values for DistillVLM's loss terms (packages/method-distillvlm/src/*), computed with PyTorch.

Run:  /usr/bin/python3 tools/golden/distillvlm.py      (from the workspace root)

Writes
  packages/method-distillvlm/src/__fixtures__/distillvlm.golden.json

No official code exists (../shared/research/methods.md §1): the forms below are the design's
(docs/design/distillvlm.md), written here independently of the TypeScript, from the equations.

Conventions (as tools/golden/info_nce.py)
  * Inputs are drawn with torch.manual_seed in float32; references in float64 from those inputs.
  * Arrays are stored flat (row-major) next to their shape.
  * Token masks m [B, N] (1 = a real token: text under tokenMask, regions under the proposal mask).

Terms
  att (masked attention MSE), per mapped layer pair and head:
      sum_{l,b,h,i,j} m_bi m_bj (A^S - A^T)^2 / (L * H * sum_b n_b^2)         reduction 'valid'
      mean over every entry of every layer (B*H*N*N each), averaged over layers   reduction 'all'
  nce (token-wise InfoNCE against a queue of teacher tokens):
      u = normalize(h^S W_s), v = normalize(h^T W_t) for the valid tokens (row-major over b, i);
      logits = [u.v, u.Q_valid^T (, u.v_other^T)] / tau;  loss = mean over tokens of -log_softmax[0]
      Q_valid = the first `filled` rows of the queue (slot order; all K when full).
      gradients w.r.t. h^S, W_s and W_t (h^T and the queue are constants).
  queue update (FIFO ring): the step's v rows are written at (head + r) mod K in row order
      (later rows win when M > K); head <- (head + M) mod K; filled <- min(K, filled + M).
  hidden_mse: sum over valid tokens and features of (h^S W - h^T)^2 / (n_valid * d_T).
  logit (VQA): BCE(sigmoid(z_S / t), sigmoid(z_T / t)) averaged over B*A entries.
  logit (captioning): t^2 * sum_valid KL(softmax(z_T / t) || softmax(z_S / t)) / n_valid over the
      valid positions of [B, T, V] next-token logits.
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'method-distillvlm', 'src', '__fixtures__', 'distillvlm.golden.json')


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def attention(shape, gen):
    return torch.softmax(torch.randn(*shape, generator=gen) * 2, dim=-1).float()


def att_mse(pairs, m, reduction):
    B, H, N, _ = pairs[0][0].shape
    if reduction == 'all':
        return sum(((s - t) ** 2).mean() for s, t in pairs) / len(pairs)
    mm = (m[:, None, :, None] * m[:, None, None, :])
    n = m.sum(1)
    total = sum((mm * (s - t) ** 2).sum() for s, t in pairs)
    return total / (len(pairs) * H * (n ** 2).sum())


def att_cases():
    out = []
    gen = torch.Generator().manual_seed(7)
    B, H, N, L = 2, 3, 6, 2
    m = torch.tensor([[1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 1, 1]], dtype=torch.float32)
    studs = [attention((B, H, N, N), gen) for _ in range(L)]
    teach = [attention((B, H, N, N), gen) for _ in range(L)]
    for reduction in ('valid', 'all'):
        s64 = [s.double().requires_grad_() for s in studs]
        loss = att_mse([(s, t.double()) for s, t in zip(s64, teach)], m.double(), reduction)
        grads = torch.autograd.grad(loss, s64)
        out.append({
            'reduction': reduction, 'mask': arr(m),
            'student': [arr(s) for s in studs], 'teacher': [arr(t) for t in teach],
            'loss': float(loss), 'grads': [arr(g) for g in grads],
        })
    return out


def gather_valid(h, m):
    return h.reshape(-1, h.shape[-1])[m.reshape(-1) > 0]


def queue_nce(hs, ht, m, ws, wt, queue, filled, tau, in_batch):
    u = F.normalize(gather_valid(hs, m) @ ws, dim=1)
    v = F.normalize(gather_valid(ht, m) @ wt, dim=1)
    pos = (u * v).sum(1, keepdim=True)
    parts = [pos, u @ queue[:filled].T]
    if in_batch:
        other = u @ v.T
        eye = torch.eye(u.shape[0], dtype=torch.bool)
        parts.append(other[~eye].reshape(u.shape[0], u.shape[0] - 1))
    logits = torch.cat(parts, 1) / tau
    return -F.log_softmax(logits, 1)[:, 0].mean(), v


def enqueue(queue, head, filled, v):
    q = queue.clone()
    K = q.shape[0]
    for r in range(v.shape[0]):
        q[(head + r) % K] = v[r]
    return q, (head + v.shape[0]) % K, min(K, filled + v.shape[0])


def nce_cases():
    out = []
    B, N, ds, dt, d, K = 2, 5, 6, 8, 4, 7
    m = torch.tensor([[1, 1, 1, 0, 1], [1, 1, 0, 1, 1]], dtype=torch.float32)  # 8 valid tokens
    for seed, filled, head, tau, in_batch in ((11, 3, 3, 0.07, False), (12, 7, 5, 0.1, True), (13, 0, 0, 0.2, False)):
        torch.manual_seed(seed)
        hs = torch.randn(B, N, ds).float()
        ht = torch.randn(B, N, dt).float()
        ws = (torch.randn(ds, d) * 0.5).float()
        wt = (torch.randn(dt, d) * 0.5).float()
        queue = F.normalize(torch.randn(K, d), dim=1).float()
        hs64, ws64, wt64 = (x.double().requires_grad_() for x in (hs, ws, wt))
        loss, v = queue_nce(hs64, ht.double(), m.double(), ws64, wt64, queue.double(), filled, tau, in_batch)
        g_hs, g_ws, g_wt = torch.autograd.grad(loss, (hs64, ws64, wt64))
        q2, head2, filled2 = enqueue(queue.double(), head, filled, v.detach())
        out.append({
            'seed': seed, 'tau': tau, 'inBatchNegatives': in_batch, 'mask': arr(m),
            'hs': arr(hs), 'ht': arr(ht), 'ws': arr(ws), 'wt': arr(wt),
            'queue': arr(queue), 'head': head, 'filled': filled,
            'loss': float(loss), 'grad_hs': arr(g_hs), 'grad_ws': arr(g_ws), 'grad_wt': arr(g_wt),
            'v': arr(v), 'queueAfter': arr(q2), 'headAfter': head2, 'filledAfter': filled2,
        })
    # M > K: the newest K rows remain, in ring order
    torch.manual_seed(14)
    queue = F.normalize(torch.randn(3, 4), dim=1).float()
    v = F.normalize(torch.randn(5, 4), dim=1).float()
    q2, head2, filled2 = enqueue(queue.double(), 2, 1, v.double())
    out.append({'enqueueOnly': True, 'queue': arr(queue), 'head': 2, 'filled': 1, 'v': arr(v),
                'queueAfter': arr(q2), 'headAfter': head2, 'filledAfter': filled2})
    return out


def hidden_case():
    torch.manual_seed(21)
    B, N, ds, dt = 2, 4, 3, 5
    m = torch.tensor([[1, 1, 0, 1], [1, 0, 1, 1]], dtype=torch.float32)
    hs = torch.randn(B, N, ds).float()
    ht = torch.randn(B, N, dt).float()
    w = torch.randn(ds, dt).float()
    hs64, w64 = hs.double().requires_grad_(), w.double().requires_grad_()
    diff = gather_valid(hs64, m) @ w64 - gather_valid(ht.double(), m)
    loss = (diff ** 2).sum() / (m.sum() * dt)
    g_hs, g_w = torch.autograd.grad(loss, (hs64, w64))
    return {'mask': arr(m), 'hs': arr(hs), 'ht': arr(ht), 'w': arr(w), 'loss': float(loss),
            'grad_hs': arr(g_hs), 'grad_w': arr(g_w)}


def logit_cases():
    torch.manual_seed(31)
    zs = (torch.randn(3, 5) * 2).float()
    zt = (torch.randn(3, 5) * 2).float()
    out = {'vqa': [], 'captioning': []}
    for t in (1.0, 2.0):
        zs64 = zs.double().requires_grad_()
        loss = F.binary_cross_entropy_with_logits(zs64 / t, torch.sigmoid(zt.double() / t))
        (g,) = torch.autograd.grad(loss, zs64)
        out['vqa'].append({'t': t, 'zs': arr(zs), 'zt': arr(zt), 'loss': float(loss), 'grad': arr(g)})
    B, T, V = 2, 4, 6
    cs = (torch.randn(B, T, V) * 2).float()
    ct = (torch.randn(B, T, V) * 2).float()
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=torch.float32)
    for t in (1.0, 4.0):
        cs64 = cs.double().requires_grad_()
        p_t = F.softmax(ct.double() / t, -1)
        kl = (p_t * (F.log_softmax(ct.double() / t, -1) - F.log_softmax(cs64 / t, -1))).sum(-1)
        loss = t * t * (kl * mask.double()).sum() / mask.sum()
        (g,) = torch.autograd.grad(loss, cs64)
        out['captioning'].append({'t': t, 'zs': arr(cs), 'zt': arr(ct), 'mask': arr(mask), 'loss': float(loss),
                                  'grad': arr(g)})
    return out


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    data = {'att': att_cases(), 'nce': nce_cases(), 'hiddenMse': hidden_case(), 'logit': logit_cases()}
    with open(OUT, 'w') as f:
        json.dump(data, f)
    print('wrote', os.path.relpath(OUT, ROOT))


if __name__ == '__main__':
    main()
