import * as tf from '@tensorflow/tfjs';
import { roiAlign } from './roi-pool.js';

export interface RegionCropOptions {
  /** Output [height, width] of every crop (the wrapped model's input size). */
  readonly size: readonly [number, number];
  /**
   * Context enlargement: each box is scaled by this factor about its centre before cropping (ViLD
   * embeds 1× and 1.5× crops of each proposal; DetPro's reproduction: x1' = 1.25·x1 − 0.25·x2, …),
   * then clipped to the image, so no padding enters the crop (a crop of the clamped box).
   */
  readonly factor: number;
  /** Bilinear samples per output pixel and axis, averaged (RoIAlign's sampling ratio; see roiAlign). */
  readonly sampling: number;
}

/**
 * Boxes [N, 4] ([x1, y1, x2, y2], pixels) scaled by `factor` about their centres and clipped to an
 * image of `imageSize` = [h, w].
 */
export function enlargeBoxes(boxes: tf.Tensor2D, factor: number, imageSize: readonly [number, number]): tf.Tensor2D {
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = tf.split(boxes, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const side = (lo: tf.Tensor, hi: tf.Tensor, limit: number): [tf.Tensor, tf.Tensor] => {
      const centre = tf.mul(tf.add(lo, hi), 0.5);
      const half = tf.mul(tf.sub(hi, lo), factor / 2);
      return [tf.clipByValue(tf.sub(centre, half), 0, limit), tf.clipByValue(tf.add(centre, half), 0, limit)];
    };
    const [nx1, nx2] = side(x1, x2, imageSize[1]);
    const [ny1, ny2] = side(y1, y2, imageSize[0]);
    return tf.concat([nx1, ny1, nx2, ny2], 1) as tf.Tensor2D;
  });
}

/**
 * Crops of `images` [B, H, W, C] at `boxes` [B, R, 4] (pixels), each enlarged by `factor` and resized
 * to `size` by RoIAlign on the image itself (stride 1: torchvision `roi_align(images, boxes, size,
 * spatial_scale = 1, sampling_ratio = sampling, aligned = True)`), image by image and box by box:
 * [B·R, size[0], size[1], C]. Differentiable w.r.t. the images.
 */
export function regionCrops(images: tf.Tensor4D, boxes: tf.Tensor3D, options: RegionCropOptions): tf.Tensor4D {
  const [b, h, w] = images.shape;
  const r = boxes.shape[1];
  if (boxes.shape[0] !== b || boxes.shape[2] !== 4)
    throw new Error(`regionCrops: boxes must be [${b}, R, 4], got [${boxes.shape}]`);
  if (!(options.factor > 0))
    throw new Error(`regionCrops: the enlargement factor must be positive, got ${options.factor}`);
  return tf.tidy(() => {
    const flat = enlargeBoxes(tf.reshape(boxes, [b * r, 4]) as tf.Tensor2D, options.factor, [h, w]);
    const index = Array.from({ length: b * r }, (_, i) => Math.floor(i / r));
    return roiAlign(images, flat, index, [h, w], [options.size[0], options.size[1]], { sampling: options.sampling });
  });
}
