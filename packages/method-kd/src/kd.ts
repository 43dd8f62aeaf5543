import * as tf from '@tensorflow/tfjs';
import {
  detach,
  injectable,
  softTargetKL,
  UserError,
  z,
  type DistillationMethod,
  type MethodSetupContext,
  type StepContext,
  type TapRequest,
  type TermSpec,
} from '@kd/core';

/** Hyperparameters of Hinton KD. */
export const kdHParams = z.object({
  T: z
    .number()
    .positive()
    .default(4)
    .describe('Softmax temperature for teacher and student (Hinton et al. 2015; T=4 as in CRD/RepDistiller)'),
});

export type KdHParams = z.output<typeof kdHParams>;

/** Loss terms (unweighted; the run multiplies by the configured weight). */
export const kdTerms: readonly TermSpec[] = [
  {
    name: 'soft',
    defaultWeight: 0.9,
    description:
      'KL(softmax(t/T) || softmax(s/T)) * T^2, summed over classes, mean over the batch (alpha=0.9 as in CRD/RepDistiller)',
  },
];

/**
 * Hinton et al. 2015, "Distilling the Knowledge in a Neural Network": the student matches the
 * teacher's temperature-softened class distribution. The teacher's logits are targets (constants):
 * they are detached here as well, so the teacher gets no gradient even if it ran inside the tape.
 */
@injectable()
export class KdMethod implements DistillationMethod<KdHParams> {
  private temperature = 4;

  setup(ctx: MethodSetupContext<KdHParams>): void {
    this.temperature = ctx.hparams.T;
    // Validate the taps now, so a misconfigured run fails before training (MissingTapError).
    for (const r of this.requiredTaps()) ctx.tap(r.role, r.tap, r.model);
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'teacher', tap: 'logits' },
      { role: 'student', tap: 'logits' },
    ];
  }

  auxModules(): [] {
    return [];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (!step.active.has('soft')) return out;
    const s = step.student['logits'];
    const t = step.teacher?.['logits'];
    if (!s) throw new UserError("method 'kd': the student's forward returned no 'logits' tap");
    if (!t) throw new UserError("method 'kd' needs a teacher's 'logits' (no teacher outputs in this step)");
    out['soft'] = tf.tidy(() => softTargetKL(s, detach(t), this.temperature));
    return out;
  }
}
