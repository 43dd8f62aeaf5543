import * as tf from '@tensorflow/tfjs';
import {
  injectable,
  UserError,
  z,
  type AuxModule,
  type BatchKeyRequest,
  type DistillationMethod,
  type MethodSetupContext,
  type StepContext,
  type TapRequest,
  type TermSpec,
} from '@kd/core';
import { roleBoxRaster } from '@kd/models';

/** Hyperparameters of RVL-BERT's mask loss (docs/design/rvl-bert-code-reading.md §4.3, §9). */
export const rvlBertHParams = z.object({
  maskBoxes: z
    .enum(['subject-object', 'subject-union'])
    .default('subject-object')
    .describe(
      "the boxes the subject's and the object's masks learn: 'subject-object' (the intent) or 'subject-union' (the official VRD code's slip: the object mask on the union box)",
    ),
  raster: z
    .enum(['image', 'transposed'])
    .default('image')
    .describe(
      "the boxes' raster: 'image' (rows = y) or 'transposed' (the official code's slip: the x range on the rows)",
    ),
});
export type RvlBertHParams = z.output<typeof rvlBertHParams>;

export const rvlBertTerms: readonly TermSpec[] = [
  {
    name: 'mask',
    defaultWeight: 1,
    description:
      "MSE between the mask attention module's min–max-normalised role masks and their boxes rasterised on the same k × k map (official: unweighted, added to the answer loss)",
  },
];

const PAIR_BOX = { subject: 1, union: 2, object: 3 } as const;

/**
 * RVL-BERT's one loss term besides the task's (the answer CE / BCE is the `relationships` task's):
 * the mask loss of the mask attention module, on the student's `roleMasks` [B, Q, 2, k, k] against
 * the boxes of `pairBoxes` [B, Q, 4, 4] (image, subject, union, object; / image size) rasterised by
 * round-half-to-even cells, mean over every element of the real pairs (`pairMask`).
 * No teacher: the "knowledge" is the frozen pre-trained encoder inside the `rvl-bert` model.
 */
@injectable()
export class RvlBertMethod implements DistillationMethod<RvlBertHParams> {
  private hp: RvlBertHParams = rvlBertHParams.parse({});
  private studentName = 'student';

  setup(ctx: MethodSetupContext<RvlBertHParams>): void {
    this.hp = ctx.hparams;
    this.studentName = ctx.student.name;
    const specs = ctx.student.model.tapSpecs();
    if (!specs['roleMasks'] || !specs['pairBoxes'])
      throw new UserError(
        `method 'rvl-bert' trains the mask attention module's masks: student '${ctx.student.model.arch}' has none (architecture rvl-bert with options.maskAttention: true)`,
      );
    for (const r of this.requiredTaps()) ctx.tap(r.role, r.tap, r.model);
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'student', tap: 'roleMasks' },
      { role: 'student', tap: 'pairBoxes' },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return [];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'pairMask', dtype: 'float32', rank: 1, why: 'the real pairs (the mask loss averages over them)' }];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    if (!step.active.has('mask')) return {};
    const masks = step.tap(this.studentName, 'roleMasks');
    const boxes = step.tap(this.studentName, 'pairBoxes');
    const real = step.batch['pairMask']!;
    return {
      mask: tf.tidy(() => {
        const [b, q, roles, k] = masks.shape as [number, number, number, number];
        const second = this.hp.maskBoxes === 'subject-object' ? PAIR_BOX.object : PAIR_BOX.union;
        const roleBoxes = tf.gather(tf.reshape(boxes, [b * q, 4, 4]), [PAIR_BOX.subject, second], 1) as tf.Tensor3D;
        const targets = roleBoxRaster(roleBoxes, k, this.hp.raster);
        const flatMasks = tf.reshape(masks, [b * q, roles, k, k]) as tf.Tensor4D;
        // the mean over every element of the real pairs (padding pairs carry no loss)
        const keep = tf.reshape(real, [b * q]);
        const n = tf.sum(keep);
        const perPair = tf.mean(tf.reshape(tf.squaredDifference(flatMasks, targets), [b * q, -1]), 1);
        // (not tf.divNoNan: its zerosLike of the quotient puts an Equal on the gradient path, which has no gradient)
        return tf.div(tf.sum(tf.mul(perPair, keep)), tf.maximum(n, 1)) as tf.Scalar;
      }),
    };
  }
}
