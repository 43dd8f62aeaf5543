#!/usr/bin/env python3
"""Golden values for greedy caption decoding (@kd/tasks greedyCaptions) on a fixed tiny VL transformer.

Run:  /usr/bin/python3 tools/golden/greedy_decoding.py      (from the workspace root)
Writes packages/tasks/src/__fixtures__/greedy-decoding.golden.json

The reference model is built from PyTorch's own modules, not from a reading of kd's code:
  * text tokens: nn.Embedding(token) + nn.Embedding(position) + nn.Embedding(segment 0), nn.LayerNorm;
  * regions: nn.Linear(features) + nn.Linear(x1, y1, x2, y2, area) + nn.Embedding(segment 1), nn.LayerNorm
    (a single-stream VisualBERT/UNITER-style input);
  * nn.TransformerEncoderLayer (post-norm, GELU, no dropout, batch_first) over [text; regions], with
    an additive mask: padded keys dropped; causal text (a text query sees the text up to itself and
    every region, a region query sees the regions only);
  * the next-token head nn.Linear(d, vocab) on the text states.
Greedy decoding: the caption starts as [CLS] and padding (masked); each step runs the model on the
whole batch and appends the argmax of the logits at the last filled position until every caption has
produced [SEP] or [PAD] or the length is full. The fixture holds the weights (in kd's layout: Linear
weights [in, out], a layer's q/k/v split), the inputs, the decoded ids and every step's logits at the
decoded position, so a wrong mask or a wrong position shows in the logits before it flips an argmax.
"""
import json
import os

import torch
import torch.nn as nn

SEED = int(os.environ.get("SEED", "9"))
torch.manual_seed(SEED)
V, T, R, F, D, H, FFN, L = 11, 6, 3, 5, 16, 2, 32, 2
PAD, CLS, SEP = 0, 2, 3
B = 4


class Reference(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(V, D)
        self.positions = nn.Embedding(T, D)
        self.segments = nn.Embedding(2, D)
        self.text_norm = nn.LayerNorm(D)
        self.region_projection = nn.Linear(F, D)
        self.box_projection = nn.Linear(5, D)
        self.region_norm = nn.LayerNorm(D)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(D, H, FFN, dropout=0.0, activation='gelu', batch_first=True) for _ in range(L)
        )
        self.cls = nn.Linear(D, 4)
        self.mlm = nn.Linear(D, V)
        self.itm = nn.Linear(D, 2)
        # larger-than-default weights so the argmax is decided by the input, not by a bias
        with torch.no_grad():
            for p in self.parameters():
                p.add_(torch.randn_like(p) * 0.3)

    def forward(self, ids, token_mask, regions, boxes, region_mask):
        b = ids.shape[0]
        text = self.text_norm(
            self.tokens(ids) + self.positions(torch.arange(T))[None] + self.segments(torch.zeros(1, 1, dtype=torch.long))
        )
        x1, y1, x2, y2 = boxes.unbind(-1)
        geometry = torch.stack([x1, y1, x2, y2, (x2 - x1) * (y2 - y1)], -1)
        region = self.region_norm(
            self.region_projection(regions) + self.box_projection(geometry) + self.segments(torch.ones(1, 1, dtype=torch.long))
        )
        h = torch.cat([text, region], 1)
        n = T + R
        keep = torch.cat([token_mask, region_mask], 1).bool()  # [B, N]
        q = torch.arange(n)[:, None]
        k = torch.arange(n)[None, :]
        rule = torch.where(q < T, (k <= q) | (k >= T), k >= T)  # [N, N]
        allowed = rule[None] & keep[:, None, :]  # [B, N, N]
        mask = torch.zeros(b, n, n).masked_fill(~allowed, -1e9)
        mask = mask.repeat_interleave(H, 0)  # [B·H, N, N], batch-major as nn.MultiheadAttention expects
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.mlm(h[:, :T])


def greedy(model, regions, boxes, region_mask):
    out = torch.full((B, T), PAD, dtype=torch.long)
    mask = torch.zeros(B, T)
    out[:, 0] = CLS
    mask[:, 0] = 1
    ended = torch.zeros(B, dtype=torch.bool)
    steps = []
    pos = 0
    while pos + 1 < T and not bool(ended.all()):
        logits = model(out, mask, regions, boxes, region_mask)[:, pos]  # [B, V]
        nxt = logits.argmax(1)
        steps.append(logits)
        for i in range(B):
            if ended[i]:
                continue
            out[i, pos + 1] = nxt[i]
            mask[i, pos + 1] = 1
            if int(nxt[i]) in (SEP, PAD):
                ended[i] = True
        pos += 1
    return out, steps


model = Reference().eval()
regions = torch.randn(B, R, F)
lo = torch.rand(B, R, 2) * 0.5
boxes = torch.cat([lo, lo + 0.1 + torch.rand(B, R, 2) * 0.4], -1)
region_mask = torch.tensor([[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1]], dtype=torch.float32)
with torch.no_grad():
    ids, steps = greedy(model, regions, boxes, region_mask)

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
arr = lambda t: {'shape': list(t.shape), 'data': flat(t)}


def linear(m):
    return {'weight': arr(m.weight.t()), 'bias': arr(m.bias)}


params = {}


def put(prefix, d):
    for k, v in d.items():
        params[f'{prefix}.{k}'] = v


put('tokens', {'weight': arr(model.tokens.weight)})
put('positions', {'weight': arr(model.positions.weight)})
put('segments', {'weight': arr(model.segments.weight)})
put('textNorm', {'weight': arr(model.text_norm.weight), 'bias': arr(model.text_norm.bias)})
put('regionProjection', linear(model.region_projection))
put('boxProjection', linear(model.box_projection))
put('regionNorm', {'weight': arr(model.region_norm.weight), 'bias': arr(model.region_norm.bias)})
for i, layer in enumerate(model.layers):
    a = layer.self_attn
    wq, wk, wv = a.in_proj_weight.chunk(3, 0)
    bq, bk, bv = a.in_proj_bias.chunk(3, 0)
    for name, w, bias in (('q', wq, bq), ('k', wk, bk), ('v', wv, bv)):
        put(f'layers.{i}.attention.{name}', {'weight': arr(w.t()), 'bias': arr(bias)})
    put(f'layers.{i}.attention.out', linear(a.out_proj))
    put(f'layers.{i}.ffn1', linear(layer.linear1))
    put(f'layers.{i}.ffn2', linear(layer.linear2))
    put(f'layers.{i}.norm1', {'weight': arr(layer.norm1.weight), 'bias': arr(layer.norm1.bias)})
    put(f'layers.{i}.norm2', {'weight': arr(layer.norm2.weight), 'bias': arr(layer.norm2.bias)})
put('cls', linear(model.cls))
put('mlm', linear(model.mlm))
put('itm', linear(model.itm))

fixture = {
    'config': {'vocabSize': V, 'textLength': T, 'regions': R, 'regionFeatures': F, 'dModel': D, 'heads': H,
               'ffn': FFN, 'layers': L, 'numClasses': 4, 'ids': {'pad': PAD, 'cls': CLS, 'sep': SEP}},
    'params': params,
    'regions': arr(regions),
    'boxes': arr(boxes),
    'regionMask': arr(region_mask),
    'ids': [int(v) for v in ids.reshape(-1)],
    'stepLogits': [arr(s) for s in steps],
}
out = os.path.join('packages', 'tasks', 'src', '__fixtures__', 'greedy-decoding.golden.json')
with open(out, 'w') as f:
    json.dump(fixture, f)
print('wrote', out, 'ids', ids.tolist())
