import * as tf from '@tensorflow/tfjs';

/** Round half to even (PyTorch's `torch.round`, numpy's `round`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Orientation of the raster: `image` — rows are y, columns x (the map's own layout, the intent);
 * `transposed` — the official code's slip: the x range slices the rows (`M[r[0]:r[2], r[1]:r[3]]`).
 */
export type RasterOrientation = 'image' | 'transposed';

/**
 * RVL-BERT's mask targets: each role's box, normalised by the image size ([x1, y1, x2, y2] in
 * [0, 1]), rasterised on the k × k map: r = round_half_even(k · box), and the cells
 * [r_y1, r_y2) × [r_x1, r_x2) set to 1 (half-open, as Python slices). boxes [P, roles, 4] →
 * [P, roles, k, k].
 */
export function roleBoxRaster(boxes: tf.Tensor3D, k: number, orientation: RasterOrientation = 'image'): tf.Tensor4D {
  const [p, roles] = boxes.shape;
  const b = boxes.dataSync();
  const out = new Float32Array(p * roles * k * k);
  const clip = (v: number) => Math.min(k, Math.max(0, v));
  for (let i = 0; i < p * roles; i++) {
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((j) => clip(roundHalfEven(k * b[i * 4 + j]!)));
    const [r0, r1, c0, c1] = orientation === 'image' ? [y1!, y2!, x1!, x2!] : [x1!, x2!, y1!, y2!];
    for (let row = r0; row < r1; row++) out.fill(1, i * k * k + row * k + c0, i * k * k + row * k + Math.max(c0, c1));
  }
  return tf.tensor4d(out, [p, roles, k, k]);
}

/** The mask loss: MSE between the masks and their targets, the mean over every element (`F.mse_loss`). */
export function maskMse(masks: tf.Tensor4D, targets: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(masks, targets)) as tf.Scalar);
}
