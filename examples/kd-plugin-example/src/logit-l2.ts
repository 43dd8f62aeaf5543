import * as tf from '@tensorflow/tfjs';
import {
  detach,
  injectable,
  UserError,
  z,
  type DistillationMethod,
  type MethodDescriptor,
  type MethodSetupContext,
  type StepContext,
  type TapRequest,
  type TermSpec,
} from '@kd/core';

/** No hyperparameters: the paper's objective has none besides the term's weight. */
export const logitL2HParams = z.object({});
export type LogitL2HParams = z.output<typeof logitL2HParams>;

export const logitL2Terms: readonly TermSpec[] = [
  {
    name: 'l2',
    defaultWeight: 1,
    description:
      "½‖s − t‖² between the student's and the teacher's logits, summed over classes, mean over the batch (Ba & Caruana 2014, eq. 1)",
  },
];

/**
 * Ba & Caruana 2014, "Do Deep Nets Really Need to be Deep?": the student (the "mimic" net) regresses
 * the teacher's logits — the scores before the softmax — with a squared error, so it learns what the
 * teacher's softmax would hide (how much more likely one class is than the others). The teacher's
 * logits are targets: detached, so the teacher gets no gradient even if it ran inside the tape.
 */
@injectable()
export class LogitL2Method implements DistillationMethod<LogitL2HParams> {
  setup(ctx: MethodSetupContext<LogitL2HParams>): void {
    // look the taps up now, so a model without logits fails before training, naming the tap
    const student = ctx.tap('student', 'logits');
    const teacher = ctx.tap('teacher', 'logits');
    if (student.shape.join() !== teacher.shape.join())
      throw new UserError(
        `method 'logit-l2': the student's logits have shape [${student.shape.join(', ')}] but the teacher's [${teacher.shape.join(', ')}]`,
      );
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
    if (!step.active.has('l2')) return {};
    const s = step.student['logits'];
    const t = step.teacher?.['logits'];
    if (!s) throw new UserError("method 'logit-l2': the student's forward returned no 'logits' tap");
    if (!t) throw new UserError("method 'logit-l2' needs a teacher's 'logits' (no teacher outputs in this step)");
    return { l2: tf.tidy(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(s, detach(t))), -1))) as tf.Scalar) };
  }
}

export const logitL2Descriptor: MethodDescriptor = {
  id: 'logit-l2',
  title: 'Logit regression (mimic learning)',
  description: "The student regresses the teacher's logits with a squared error (L2), not its softened probabilities.",
  paper: {
    title: 'Do Deep Nets Really Need to be Deep?',
    authors: 'Lei Jimmy Ba, Rich Caruana',
    venue: 'NIPS',
    year: 2014,
    url: 'https://arxiv.org/abs/1312.6184',
  },
  hparams: logitL2HParams,
  terms: logitL2Terms,
  impl: LogitL2Method,
};
