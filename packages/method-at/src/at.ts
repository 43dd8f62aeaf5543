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
import { attentionPairLoss } from './attention.js';

/** A student tap matched to a teacher tap. */
export const tapPair = z
  .object({
    student: z.string().min(1).describe('student feature tap'),
    teacher: z.string().min(1).describe('teacher feature tap (same spatial size)'),
  })
  .strict();

export type TapPair = z.output<typeof tapPair>;

/** Hyperparameters of attention transfer. */
export const atHParams = z.object({
  pairs: z
    .array(tapPair)
    .min(1)
    .default([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
      { student: 'stage3', teacher: 'stage3' },
    ])
    .describe(
      'Student/teacher feature taps whose attention maps are matched, one loss per pair (the paper and official code: ' +
        'the outputs of the three groups of a CIFAR ResNet/WRN, i.e. stage1..3); spatial sizes must match',
    ),
  p: z
    .number()
    .positive()
    .default(2)
    .describe(
      'Power p of the attention map mean_c |F_c|^p (paper and official code: p = 2, hard-coded as x.pow(2); ' +
        "p as a hyperparameter follows RepDistiller's Attention(p))",
    ),
  beta: z
    .number()
    .min(0)
    .default(1000)
    .describe(
      'beta of the official code: term = beta · Σ_pairs at_loss, as cifar.py/imagenet.py train on opt.beta * sum(loss_groups) ' +
        "(no /2 in the code; the paper's equation writes β/2); default 1000 = the official README's '--beta 1e+3'; " +
        'at_loss is a mean over batch and positions',
    ),
});

export type AtHParams = z.output<typeof atHParams>;

export const atTerms: readonly TermSpec[] = [
  {
    name: 'at',
    defaultWeight: 1,
    description:
      'beta · Σ_pairs mean_{b,hw}(â_S − â_T)², â = L2-normalised mean_c |F|^p (official attention-transfer code: ' +
      "opt.beta * sum(loss_groups), no /2, while the paper's equation writes β/2; beta in the hparams, official 1000)",
  },
];

function featureSize(role: string, tap: string, spec: TapSpec): [number, number] {
  if (spec.kind !== 'feature' || spec.shape.length !== 3) {
    throw new UserError(
      `method 'at' needs a feature map [H, W, C]; ${role} tap '${tap}' [${spec.shape.join(', ')}] is a '${spec.kind}' tap`,
    );
  }
  return [spec.shape[0]!, spec.shape[1]!];
}

/**
 * Zagoruyko & Komodakis 2017, "Paying More Attention to Attention": the student's spatial attention
 * maps (channel mean of |F|^p, L2-normalised) match the teacher's at several depths.
 * No trainable parts; the teacher's maps are constants.
 */
@injectable()
export class AtMethod implements DistillationMethod<AtHParams> {
  private hp: AtHParams = atHParams.parse({});

  setup(ctx: MethodSetupContext<AtHParams>): void {
    this.hp = ctx.hparams;
    this.hp.pairs.forEach((pair, i) => {
      const s = featureSize('student', pair.student, ctx.tap('student', pair.student));
      const t = featureSize('teacher', pair.teacher, ctx.tap('teacher', pair.teacher));
      if (s[0] !== t[0] || s[1] !== t[1]) {
        throw new UserError(
          `method 'at': hparams.pairs[${i}] student tap '${pair.student}' is ${s.join('x')} but teacher tap '${pair.teacher}' is ` +
            `${t.join('x')}; attention maps need equal spatial sizes (pick taps of the same resolution)`,
        );
      }
    });
  }

  requiredTaps(): readonly TapRequest[] {
    return this.hp.pairs.flatMap((p) => [
      { role: 'teacher' as const, tap: p.teacher },
      { role: 'student' as const, tap: p.student },
    ]);
  }

  auxModules(): [] {
    return [];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (!step.active.has('at')) return out;
    const pairs = this.hp.pairs.map(
      (p) => [tapValue(step.student, 'student', p.student), tapValue(step.teacher, 'teacher', p.teacher)] as const,
    );
    out['at'] = tf.tidy(() => {
      const parts = pairs.map(([s, t]) => attentionPairLoss(s, detach(t), this.hp.p));
      // official cifar.py / imagenet.py: opt.beta * sum(loss_groups) — no /2 (the paper's equation has β/2)
      return tf.mul(tf.addN(parts), this.hp.beta) as tf.Scalar;
    });
    return out;
  }
}

function tapValue(values: TapValues | undefined, role: string, tap: string): tf.Tensor {
  const v = values?.[tap];
  if (!v) throw new UserError(`method 'at': no ${role} tap '${tap}' in this step's outputs`);
  return v;
}
