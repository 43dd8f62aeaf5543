/**
 * Bilinear resize of a one-channel row-major image `src` [srcH, srcW] into `dst` [dstH, dstW], with
 * half-pixel centres (output pixel centre (x + 0.5)·srcW/dstW − 0.5 in source pixels, clamped to
 * the image; as `tf.image.resizeBilinear(…, halfPixelCenters = true)`), no antialiasing.
 */
export function bilinearResize(
  src: Float32Array,
  srcH: number,
  srcW: number,
  dst: Float32Array,
  dstH: number,
  dstW: number,
): void {
  if (src.length < srcH * srcW)
    throw new RangeError(`bilinearResize: source has ${src.length} values, need ${srcH}·${srcW}`);
  if (dst.length < dstH * dstW)
    throw new RangeError(`bilinearResize: destination has ${dst.length} values, need ${dstH}·${dstW}`);
  const x0s = new Int32Array(dstW);
  const x1s = new Int32Array(dstW);
  const wxs = new Float32Array(dstW);
  const sx = srcW / dstW;
  for (let x = 0; x < dstW; x++) {
    const f = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
    const x0 = Math.floor(f);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, srcW - 1);
    wxs[x] = f - x0;
  }
  const sy = srcH / dstH;
  for (let y = 0; y < dstH; y++) {
    const f = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(f);
    const wy = f - y0;
    const row0 = y0 * srcW;
    const row1 = Math.min(y0 + 1, srcH - 1) * srcW;
    const out = y * dstW;
    for (let x = 0; x < dstW; x++) {
      const a = x0s[x]!;
      const b = x1s[x]!;
      const wx = wxs[x]!;
      const top = src[row0 + a]! + (src[row0 + b]! - src[row0 + a]!) * wx;
      const bottom = src[row1 + a]! + (src[row1 + b]! - src[row1 + a]!) * wx;
      dst[out + x] = top + (bottom - top) * wy;
    }
  }
}
