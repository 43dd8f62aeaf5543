/**
 * Output-size arithmetic with PyTorch semantics (explicit symmetric padding, floor division), so
 * declared tap shapes match what the layers produce, including stride 2 on odd sizes.
 */

/** Spatial output size of a convolution/pool: floor((size + 2·pad − kernel) / stride) + 1. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  if (out < 1) throw new Error(`input size ${size} is too small for kernel ${kernel}, stride ${stride}, pad ${pad}`);
  return out;
}

/** A 3x3 conv with pad 1 (or a 1x1 conv with pad 0) at stride s: ceil(size / s). */
export function stridedSize(size: number, stride: number): number {
  return convOutSize(size, 3, stride, 1);
}

/** 2x2 max-pool with stride 2 and no padding (PyTorch MaxPool2d(2)): floor(size / 2). */
export function pooledSize(size: number): number {
  return convOutSize(size, 2, 2, 0);
}

/** Validated NHWC input shape [H, W, C] without the batch dim. */
export function checkInputShape(shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`input shape must be [H, W, C] with positive integers, got [${shape.join(', ')}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}
