/** Hand-made single-channel test images (values 0 or `value`), for the captioner tests. */
export function rectImage(
  size: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  value = 1,
): { data: Float32Array; shape: [number, number, number] } {
  const data = new Float32Array(size * size);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * size + x] = value;
  return { data, shape: [size, size, 1] };
}

/** A one-pixel-wide diagonal line from (x0, y0) going right and `dy` (±1) per step. */
export function diagonalImage(
  size: number,
  x0: number,
  y0: number,
  length: number,
  dy: 1 | -1,
): { data: Float32Array; shape: [number, number, number] } {
  const data = new Float32Array(size * size);
  for (let i = 0; i < length; i++) data[(y0 + dy * i) * size + x0 + i] = 1;
  return { data, shape: [size, size, 1] };
}
