/**
 * Anchors of a region proposal network on one feature map, as torchvision 0.14's `AnchorGenerator`:
 * per cell, one anchor for each (ratio, size) pair, ratio-major (`ratios[0]` with every size first);
 * an anchor of size s and ratio r (height / width) has width s / √r and height s · √r, centred on 0
 * and its half-sides rounded (half to even, as torch.round) in float32; the cell at row i, column j
 * shifts it by (j · strideX, i · strideY) with stride = image size ÷ map size, integer division (so
 * the first cell's anchors are centred on the image corner). Cells run row-major, the anchors of a
 * cell last (location-major, anchor-minor), the order of the RPN head's outputs.
 */
export interface AnchorGridSpec {
  /** Feature map [height, width]. */
  readonly featureSize: readonly [number, number];
  /** Image [height, width] in pixels. */
  readonly imageSize: readonly [number, number];
  /** Anchor sizes (√area) in pixels. */
  readonly sizes: readonly number[];
  /** Aspect ratios height / width. */
  readonly ratios: readonly number[];
}

/** torch.round: to the nearest integer, halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The anchors of one cell centred on 0, [x1, y1, x2, y2] each, ratio-major (torchvision `generate_anchors`). */
export function cellAnchors(sizes: readonly number[], ratios: readonly number[]): number[][] {
  const f = Math.fround;
  const out: number[][] = [];
  for (const ratio of ratios) {
    const h = f(Math.sqrt(f(ratio)));
    const w = f(1 / h);
    for (const size of sizes) {
      const ws = f(w * f(size));
      const hs = f(h * f(size));
      const half = (v: number) => roundHalfEven(f(v / 2));
      out.push([half(-ws), half(-hs), half(ws), half(hs)]);
    }
  }
  return out;
}

/** The anchors of the whole map, [A · 4] with A = height · width · sizes · ratios (see AnchorGridSpec). */
export function anchorGrid(spec: AnchorGridSpec): Float32Array {
  const [gh, gw] = spec.featureSize;
  const strideY = Math.floor(spec.imageSize[0] / gh);
  const strideX = Math.floor(spec.imageSize[1] / gw);
  const cell = cellAnchors(spec.sizes, spec.ratios);
  const out = new Float32Array(gh * gw * cell.length * 4);
  let at = 0;
  for (let i = 0; i < gh; i++)
    for (let j = 0; j < gw; j++)
      for (const [x1, y1, x2, y2] of cell) {
        out[at++] = x1! + j * strideX;
        out[at++] = y1! + i * strideY;
        out[at++] = x2! + j * strideX;
        out[at++] = y2! + i * strideY;
      }
  return out;
}
