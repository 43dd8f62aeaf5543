import * as tf from '@tensorflow/tfjs';
import {
  detach,
  injectable,
  UserError,
  z,
  type DistillationMethod,
  type MethodSetupContext,
  type StepContext,
  type TapRequest,
  type TapSpec,
  type TapValues,
  type TermSpec,
} from '@kd/core';
import { vildImageLoss } from './vild-image-loss.js';

const tapName = z.string().min(1);

/** Hyperparameters of ViLD-image. */
export const vildHParams = z.object({
  studentTap: tapName
    .default('distillEmbedding')
    .describe(
      "Student tap [M, D]: the normalised region embeddings of the M distillation proposals through the detector's head and projection (region-detector options.distill)",
    ),
  studentMaskTap: tapName
    .default('distillMask')
    .describe(
      'Student tap [M]: 1 for a real distillation proposal, 0 for a padded one (region-detector options.distill)',
    ),
  teacherTap: tapName
    .default('regionEmbedding')
    .describe(
      "Teacher tap [M, D]: the teacher's image embeddings of the same proposals' crops, 1× and 1.5× averaged (crop-teacher)",
    ),
  normalizeTeacher: z
    .boolean()
    .default(true)
    .describe(
      "L2-normalise the teacher embeddings before the L1 distance (ViLD's normalize_feat_during_training: the stored CLIP embeddings are normalised at train time)",
    ),
});

export type VildHParams = z.output<typeof vildHParams>;

/** Loss terms (unweighted; the run multiplies by the configured weight). */
export const vildTerms: readonly TermSpec[] = [
  {
    name: 'image',
    defaultWeight: 0.5,
    description:
      "ViLD-image: Σ_d |e_r − v_r/‖v_r‖| of each valid distillation proposal, mean over the batch's valid proposals (w = feat_distill_weight 0.5, ViLD's R50 configs)",
  },
];

/**
 * Gu et al. 2022, "Open-vocabulary Object Detection via Vision and Language Knowledge Distillation"
 * (ViLD), its image distillation: the detector's region embeddings of M precomputed proposals per image
 * (pooled through the same head and projection as its RoIs) are pulled towards the teacher's (CLIP's)
 * image embeddings of those proposals' crops by an L1 loss over the valid proposals. The text half
 * (ViLD-text) is the detector's classifier (region-detector options.classifier), trained by the
 * detection task. The teacher's embeddings are targets (constants): detached here.
 */
@injectable()
export class VildMethod implements DistillationMethod<VildHParams> {
  private hp: VildHParams = vildHParams.parse({});

  setup(ctx: MethodSetupContext<VildHParams>): void {
    this.hp = ctx.hparams;
    // Validate the taps now (MissingTapError naming a missing one), and that they pair up.
    const student = ctx.tap('student', this.hp.studentTap);
    const mask = ctx.tap('student', this.hp.studentMaskTap);
    const teacher = ctx.tap('teacher', this.hp.teacherTap);
    checkShapes(this.hp, student, mask, teacher);
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'student', tap: this.hp.studentTap },
      { role: 'student', tap: this.hp.studentMaskTap },
      { role: 'teacher', tap: this.hp.teacherTap },
    ];
  }

  auxModules(): [] {
    return [];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (!step.active.has('image')) return out;
    const e = tapValue(step.student, 'student', this.hp.studentTap);
    const mask = tapValue(step.student, 'student', this.hp.studentMaskTap);
    const v = tapValue(step.teacher, 'teacher', this.hp.teacherTap);
    if (!tf.util.arraysEqual(e.shape, v.shape))
      throw new UserError(
        `method 'vild': student '${this.hp.studentTap}' [${e.shape.join(', ')}] and teacher '${this.hp.teacherTap}' [${v.shape.join(', ')}] differ`,
      );
    out['image'] = tf.tidy(() =>
      vildImageLoss(e, detach(mask), detach(v), { normalizeTeacher: this.hp.normalizeTeacher }),
    );
    return out;
  }
}

/** One-line errors for taps that cannot pair up: [M, D] and [M, D], a mask [M]. */
function checkShapes(hp: VildHParams, student: TapSpec, mask: TapSpec, teacher: TapSpec): void {
  const show = (s: TapSpec) => `[${s.shape.join(', ')}]`;
  if (student.shape.length !== 2 || teacher.shape.length !== 2)
    throw new UserError(
      `method 'vild': student '${hp.studentTap}' ${show(student)} and teacher '${hp.teacherTap}' ${show(teacher)} must be per-region embeddings [M, D]`,
    );
  if (student.shape.join() !== teacher.shape.join())
    throw new UserError(
      `method 'vild': student '${hp.studentTap}' ${show(student)} and teacher '${hp.teacherTap}' ${show(teacher)} differ ` +
        '(the same proposals, M, and the same embedding size, D: region-detector options.distill.count and crop-teacher options.regions; the text embeddings’ D and the teacher’s)',
    );
  if (mask.shape.length !== 1 || mask.shape[0] !== student.shape[0])
    throw new UserError(
      `method 'vild': student mask '${hp.studentMaskTap}' ${show(mask)} must be [${student.shape[0]}], one per proposal`,
    );
}

function tapValue(values: TapValues | undefined, role: string, tap: string): tf.Tensor {
  const v = values?.[tap];
  if (!v) throw new UserError(`method 'vild': no ${role} tap '${tap}' in this step's outputs`);
  return v;
}
