import * as tf from '@tensorflow/tfjs';
import {
  detach,
  injectable,
  UserError,
  z,
  type AuxModule,
  type DistillationMethod,
  type MethodSetupContext,
  type ReportContext,
  type StageSpec,
  type StepContext,
  type TapRequest,
  type TapSpec,
  type TermSpec,
} from '@kd/core';
import { ScoredRoiModel, wsddnImageScores } from '@kd/models';
import { roiFeatureLoss } from './roi-feature-loss.js';
import { softTargetLoss } from './soft-target-loss.js';
import { SoftTargetScale } from './soft-target-scale.js';
import { teacherLocalization } from './teacher-localization.js';

/** Hyperparameters of WSD-KD. */
export const wsdKdHParams = z.object({
  featureEpochs: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      "epochs of stage 1 (feature level: the student's fc7 of the proposals regress the teacher's, term feature alone) before stage 2 (the distillation stage); 0 skips it",
    ),
  classTemperature: z
    .number()
    .positive()
    .default(0.5)
    .describe("t_c: the teacher's class-branch logits are divided by it before the softmax over classes (code: × 2)"),
  regionTemperature: z
    .number()
    .positive()
    .default(0.5)
    .describe(
      "t_d: the teacher's detection-branch logits are divided by it before the softmax over regions (code: × 2)",
    ),
  studentTemperature: z
    .number()
    .positive()
    .default(5)
    .describe(
      "t: the student's logits are scaled by 1/t in the soft-target loss, initially (code: Scale layer at 0.2)",
    ),
  scale: z
    .enum(['per-class', 'scalar', 'fixed'])
    .default('per-class')
    .describe(
      "the student's soft-target scale 1/t: learnable per class (the official Scale layer over the class axis), one learnable value, or fixed",
    ),
});

export type WsdKdHParams = z.output<typeof wsdKdHParams>;

/** The aux module of the learnable scale, and its optimizer group (official: lr × 10, no weight decay). */
export const WSD_KD_SCALE = 'softScale';

export const wsdKdTerms: readonly TermSpec[] = [
  {
    name: 'soft',
    defaultWeight: 1,
    description:
      "prediction level (stage 2): Σ_k BCE(σ(z_k / t_k), p^T_k) / B, p^T = Σ_r softmax_k(M^c_r / t_c) · softmax_r(M^d_k / t_d), the teacher's scores at T = 0.5; t learnable (per class)",
  },
  {
    name: 'feature',
    defaultWeight: 0,
    description:
      "the feature-level loss of stage 1 inside the distillation stage (the paper's end-to-end form; the official recipe trains it in its own stage first): 1/(2N) Σ_r ‖f^T_r − f^S_r‖²",
  },
];

export const wsdKdFeatureStageTerms: readonly TermSpec[] = [
  {
    name: 'feature',
    defaultWeight: 1,
    description:
      "1/(2N) Σ_r ‖f^T_r − f^S_r‖² over the batch's N real proposals: the teacher's fc7 and the student's own fc7 of the same proposals (Caffe EuclideanLoss, weight 1)",
  },
];

const TEACHER_TAPS = ['regionFeatures', 'classLogits', 'detectionLogits', 'regionMask'] as const;
const STUDENT_TAPS = ['logits', 'regionFeatures'] as const;

/**
 * Liu et al. 2018, "Multi-Label Image Classification via Knowledge Distillation from Weakly-Supervised
 * Detection" (WSD-KD), as its official Caffe recipe: a WSDDN teacher (trained on image labels only,
 * frozen) teaches a classifier in two stages. Stage 1 (`feature`, a method stage): the student's own
 * fc6/fc7 on the teacher's proposals regress the teacher's fc7 (Euclidean loss). Stage 2 (the
 * distillation stage, from stage 1's weights): the task's BCE on the labels plus the soft-target BCE
 * between σ(z / t) (t learnable, per class) and the teacher's image scores at T = 0.5. After training,
 * `report` gives the teacher's localisation on the test split, since it is a detector: CorLoc, the
 * share of (image, annotated class) pairs whose top-scoring region overlaps a box of the class.
 */
@injectable()
export class WsdKdMethod implements DistillationMethod<WsdKdHParams> {
  private hp: WsdKdHParams = wsdKdHParams.parse({});
  private studentName = 'student';
  private teacherName = 'teacher';
  private scaleModule?: SoftTargetScale;
  private fixedScale?: tf.Tensor1D;
  private activeTerms?: ReadonlySet<string>;

  setup(ctx: MethodSetupContext<WsdKdHParams>): void {
    this.hp = ctx.hparams;
    this.studentName = ctx.student.name;
    this.teacherName = ctx.teacher?.name ?? 'teacher';
    this.activeTerms = ctx.activeTerms;
    const t = Object.fromEntries(TEACHER_TAPS.map((n) => [n, ctx.tap('teacher', n)])) as Record<string, TapSpec>;
    const s = Object.fromEntries(STUDENT_TAPS.map((n) => [n, ctx.tap('student', n)])) as Record<string, TapSpec>;
    checkShapes(t, s);
    checkSameProposals(ctx.teacher?.model, ctx.student.model);
    const k = s['logits']!.shape[0]!;
    this.dispose();
    if (this.hp.scale === 'fixed') this.fixedScale = tf.fill([1], 1 / this.hp.studentTemperature) as tf.Tensor1D;
    else this.scaleModule = new SoftTargetScale(this.hp.scale === 'per-class' ? k : 1, this.hp.studentTemperature);
  }

  /** The soft term's taps; the region features only when the distillation stage weighs `feature` (else stage 1 alone reads them). */
  requiredTaps(): readonly TapRequest[] {
    const feature = this.activeTerms === undefined || this.activeTerms.has('feature');
    const teacher = ['classLogits', 'detectionLogits', 'regionMask', ...(feature ? ['regionFeatures'] : [])];
    const student = ['logits', ...(feature ? ['regionFeatures'] : [])];
    return [
      ...teacher.map((tap) => ({ role: 'teacher' as const, tap })),
      ...student.map((tap) => ({ role: 'student' as const, tap })),
    ];
  }

  auxModules(): readonly AuxModule[] {
    return this.scaleModule ? [{ name: WSD_KD_SCALE, module: this.scaleModule, group: WSD_KD_SCALE }] : [];
  }

  stages(): readonly StageSpec[] {
    if (this.hp.featureEpochs === 0) return [];
    return [
      {
        name: 'feature',
        description:
          "WSD-KD stage 1 (feature level): the student's fc6/fc7 of the teacher's proposals regress the teacher's fc7 (Euclidean loss alone)",
        defaultEpochs: this.hp.featureEpochs,
        terms: wsdKdFeatureStageTerms,
        trainable: [this.studentName],
        taps: [
          { role: 'teacher', tap: 'regionFeatures' },
          { role: 'teacher', tap: 'regionMask' },
          { role: 'student', tap: 'regionFeatures' },
        ],
        losses: (step: StepContext): Record<string, tf.Scalar> =>
          step.active.has('feature') ? { feature: this.feature(step) } : {},
      },
    ];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (step.active.has('soft')) out['soft'] = this.soft(step);
    if (step.active.has('feature')) out['feature'] = this.feature(step);
    return out;
  }

  /** The teacher's CorLoc on the test split (WSDDN is a detector; WSDDN papers measure it on trainval). */
  report(ctx: ReportContext): Record<string, number> {
    const teacher = ctx.participants.find((p) => p.name === this.teacherName);
    if (!teacher) return {};
    return teacherLocalization(teacher.model, ctx.split, ctx.batchSize);
  }

  private feature(step: StepContext): tf.Scalar {
    const t = step.tap(this.teacherName, 'regionFeatures');
    const mask = step.tap(this.teacherName, 'regionMask');
    const s = step.tap(this.studentName, 'regionFeatures');
    return roiFeatureLoss(detach(t), s, detach(mask));
  }

  private soft(step: StepContext): tf.Scalar {
    const z = step.tap(this.studentName, 'logits');
    return tf.tidy(() => {
      const targets = wsddnImageScores(
        detach(step.tap(this.teacherName, 'classLogits')) as tf.Tensor3D,
        detach(step.tap(this.teacherName, 'detectionLogits')) as tf.Tensor3D,
        detach(step.tap(this.teacherName, 'regionMask')) as tf.Tensor2D,
        { classes: this.hp.classTemperature, regions: this.hp.regionTemperature },
      );
      return softTargetLoss(z, this.scaleModule?.scale ?? this.fixedScale!, targets);
    });
  }

  dispose(): void {
    this.scaleModule?.dispose();
    this.scaleModule = undefined;
    this.fixedScale?.dispose();
    this.fixedScale = undefined;
  }
}

/** One-line errors for taps that cannot pair up. */
function checkShapes(t: Record<string, TapSpec>, s: Record<string, TapSpec>): void {
  const show = (spec: TapSpec) => `[${spec.shape.join(', ')}]`;
  const tf7 = t['regionFeatures']!;
  const sf7 = s['regionFeatures']!;
  if (tf7.shape.join() !== sf7.shape.join())
    throw new UserError(
      `method 'wsd-kd': teacher regionFeatures ${show(tf7)} and student regionFeatures ${show(sf7)} differ: the same proposals (options.regions) and the same fc7 width (options.hidden) on both`,
    );
  const k = s['logits']!.shape[0];
  const tc = t['classLogits']!;
  if (tc.shape[1] !== k)
    throw new UserError(
      `method 'wsd-kd': the teacher scores ${tc.shape[1]} classes (classLogits ${show(tc)}), the student ${k} (logits ${show(s['logits']!)})`,
    );
}

/** Stage 1 pairs the two models' features of the same proposals: the same source, weighted alike. */
function checkSameProposals(teacher: unknown, student: unknown): void {
  if (!(teacher instanceof ScoredRoiModel) || !(student instanceof ScoredRoiModel)) return;
  for (const field of ['proposals', 'proposalScores'] as const) {
    if (teacher.config[field] !== student.config[field])
      throw new UserError(
        `method 'wsd-kd': student.options.${field} is '${student.config[field]}', the teacher's '${teacher.config[field]}': stage 1 regresses the teacher's features of the same proposals, weighted alike`,
      );
  }
}
