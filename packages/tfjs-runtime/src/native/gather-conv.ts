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
 * (terms whose division is not exact are skipped). A source that needs padding is padded image by
 * image as it is convolved (`gather_conv_padded`). `w` is [KH, KW, Cin, Cout] at offset `wOffset`.
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
  const geometry = [
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
  ];
  if (padded) {
    k.gather_conv_padded(
      src.offset,
      wOffset,
      dstOffset,
      src.n,
      src.h,
      src.w,
      src.c,
      src.top,
      src.left,
      hp,
      wp,
      ...geometry,
    );
  } else {
    k.gather_conv(src.offset, wOffset, dstOffset, src.n, hp, wp, src.c, ...geometry);
  }
}

/**
 * `gather_conv_padded` from a wasm build's one-image kernels: each image is zero-padded into one
 * scratch image and convolved at once, so the padded copy stays in cache instead of a padded batch
 * written to memory and read back (the addon does the same in C, one image per task on its
 * threads). The same sums as padding the whole batch first.
 */
export function gatherConvPaddedByImage(
  k: Pick<NativeKernels, 'pad_nhwc' | 'gather_conv'>,
  malloc: (bytes: number) => number,
  free: (offset: number) => void,
): NativeKernels['gather_conv_padded'] {
  return (src, w, dst, ...dims) => {
    type Sizes = [number, number, number, number, number, number, number, number, number, number, number];
    const [n, h, wd, c, top, left, hp, wp, ho, wo, co, ...rest] = dims as [...Sizes, ...number[]];
    const scratch = malloc(hp * wp * c * 4);
    try {
      for (let i = 0; i < n; i++) {
        k.pad_nhwc(src + i * h * wd * c * 4, scratch, 1, h, wd, c, hp, wp, top, left);
        k.gather_conv(scratch, w, dst + i * ho * wo * co * 4, 1, hp, wp, c, ho, wo, co, ...rest);
      }
    } finally {
      free(scratch);
    }
  };
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
