import * as tf from '@tensorflow/tfjs';
import { Linear, Module, type Rng } from '@kd/core';
import { roiMaxPool } from './roi-max-pool.js';

/**
 * Fast R-CNN's region head as WSDDN and the WSD-KD student use it: RoI max pooling (Caffe's
 * ROIPooling = torchvision's roi_pool, each pooled value multiplied by its region's weight — WSDDN's
 * proposal score) into pool × pool bins, then fc6 → ReLU → fc7 → ReLU (VGG16's fc6/fc7; Caffe's
 * in-place relu7 makes the post-ReLU value the `fc7` blob the WSD-KD feature loss reads). The
 * official fc6/fc7 dropout (0.5) is not applied: kd's models have no seeded dropout, and exact
 * resume needs one. Variables `fc6.*`, `fc7.*`.
 */
export class RoiFcHead extends Module {
  readonly fc6: Linear;
  readonly fc7: Linear;

  constructor(
    readonly channels: number,
    readonly pool: number,
    readonly hidden: number,
    rng: Rng,
  ) {
    super();
    this.fc6 = this.addChild('fc6', new Linear(pool * pool * channels, hidden, rng));
    this.fc7 = this.addChild('fc7', new Linear(hidden, hidden, rng));
  }

  /**
   * The fc7 features [B, N, hidden] of `boxes` [B, N, 4] (pixels of the data's images) pooled from
   * `map` [B, h, w, C], where map cell (i, j) covers data pixels scaled by `spatialScale` (= the
   * model's input scale / its backbone stride); `weights` [B, N] scale the pooled values (none: 1).
   */
  apply(map: tf.Tensor4D, boxes: tf.Tensor3D, spatialScale: number, weights?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, n] = boxes.shape;
      const index = tf.tensor1d(
        Int32Array.from({ length: b * n }, (_, i) => Math.floor(i / n)),
        'int32',
      );
      const pooled = roiMaxPool(
        map,
        tf.reshape(boxes, [b * n, 4]) as tf.Tensor2D,
        index,
        spatialScale,
        [this.pool, this.pool],
        {
          scores: weights ? (tf.reshape(weights, [b * n]) as tf.Tensor1D) : undefined,
        },
      );
      const h6 = tf.relu(this.fc6.apply(tf.reshape(pooled, [b * n, -1])));
      const h7 = tf.relu(this.fc7.apply(h6));
      return tf.reshape(h7, [b, n, this.hidden]) as tf.Tensor3D;
    });
  }
}
