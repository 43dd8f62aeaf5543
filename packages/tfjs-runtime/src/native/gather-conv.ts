import type { NativeKernels } from './module.js';

/** Where the source tensor of a gather convolution is, and how it must be zero-padded. */
export interface GatherSource {
  offset: number;
  n: number;
  h: number;
  w: number;
  c: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The index map of one spatial axis: source = (out·a + b + k·d) / s when exact. */
export interface GatherAxis {
  a: number;
  b: number;
  d: number;
  s: number;
}

/**
 * dst[n,oh,ow,o] = Σ w[kh,kw,i,o] · srcPadded[n, (oh·Ah+Bh+kh·Dh)/Sh, (ow·Aw+Bw+kw·Dw)/Sw, i]
 * (terms whose division is not exact are skipped). Pads the source into scratch space first
 * unless no padding is needed. `w` is [KH, KW, Cin, Cout] at offset `wOffset`.
 */
export function gatherConv(
  k: NativeKernels,
  src: GatherSource,
  wOffset: number,
  dstOffset: number,
  out: { h: number; w: number; c: number },
  kernel: { h: number; w: number },
  rows: GatherAxis,
  cols: GatherAxis,
): void {
  const hp = src.top + src.h + src.bottom;
  const wp = src.left + src.w + src.right;
  const padded = src.top !== 0 || src.bottom !== 0 || src.left !== 0 || src.right !== 0;
  const scratch = padded ? k.malloc(src.n * hp * wp * src.c * 4) : 0;
  try {
    if (padded) k.pad_nhwc(src.offset, scratch, src.n, src.h, src.w, src.c, hp, wp, src.top, src.left);
    k.gather_conv(
      padded ? scratch : src.offset,
      wOffset,
      dstOffset,
      src.n,
      hp,
      wp,
      src.c,
      out.h,
      out.w,
      out.c,
      kernel.h,
      kernel.w,
      rows.a,
      cols.a,
      rows.b,
      cols.b,
      rows.d,
      cols.d,
      rows.s,
      cols.s,
    );
  } finally {
    if (padded) k.free(scratch);
  }
}

/**
 * Padding of the gradient's axis (length `outSize`, stride `stride`) so that an input gradient
 * never reads outside it: rows ho = (i + pad − k·dilation)/stride for i < inSize, k < kernel.
 */
export function gradientPadding(
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: number,
) {
  const lowest = Math.floor((pad - (kernel - 1) * dilation) / stride);
  const highest = Math.floor((inSize - 1 + pad) / stride);
  return { before: Math.max(0, -lowest), after: Math.max(0, highest - (outSize - 1)) };
}
