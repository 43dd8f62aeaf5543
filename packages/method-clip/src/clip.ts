import * as tf from '@tensorflow/tfjs';
import {
  infoNce,
  injectable,
  LearnedTemperature,
  UserError,
  z,
  type DistillationMethod,
  type MethodSetupContext,
  type StepContext,
  type AuxModule,
  type TapRequest,
  type TermSpec,
  type BatchKeyRequest,
} from '@kd/core';

/** Hyperparameters of CLIP-style contrastive training. */
export const clipHParams = z.object({
  temperature: z
    .number()
    .positive()
    .default(0.07)
    .describe('softmax temperature τ of the InfoNCE logits (CLIP initialises its learned τ at 0.07)'),
  learnTemperature: z
    .boolean()
    .default(false)
    .describe(
      'learn τ as CLIP does (a log-scale parameter starting at 1/temperature, log-scale clamped to [0, ln 100] after each optimizer step, so the logit scale stays ≤ 100 and keeps learning at the bound); off: τ stays fixed',
    ),
  sameClassPositives: z
    .boolean()
    .default(false)
    .describe(
      'count every same-class image–caption pair in the batch as a positive (soft targets) instead of the diagonal only',
    ),
});

export type ClipHParams = z.output<typeof clipHParams>;

export const clipTerms: readonly TermSpec[] = [
  {
    name: 'contrastive',
    defaultWeight: 1,
    description:
      "symmetric InfoNCE between the student's imageEmbedding and textEmbedding taps (mean of image→text and text→image cross-entropies)",
  },
];

/**
 * Radford et al. 2021 (CLIP): an image encoder and a text encoder are trained so that each image's
 * embedding is closest to its own caption's among the batch, and vice versa. Here the "student" is
 * the dual encoder itself (architecture `clip`, data `captioned`); there is no teacher. The trained
 * model is the CLIP-like teacher of later runs (ViLD, VLM-KD).
 */
@injectable()
export class ClipMethod implements DistillationMethod<ClipHParams> {
  private hparams: ClipHParams = { temperature: 0.07, learnTemperature: false, sameClassPositives: false };
  private scale?: LearnedTemperature;

  setup(ctx: MethodSetupContext<ClipHParams>): void {
    this.hparams = ctx.hparams;
    this.scale?.dispose();
    this.scale = ctx.hparams.learnTemperature ? new LearnedTemperature(ctx.hparams.temperature) : undefined;
    for (const r of this.requiredTaps()) ctx.tap(r.role, r.tap, r.model);
  }

  /** Labels, when same-class pairs count as positives. */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return this.hparams.sameClassPositives
      ? [{ key: 'y', dtype: 'int32', shape: [], why: 'sameClassPositives: same-class pairs are positives' }]
      : [];
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'student', tap: 'imageEmbedding' },
      { role: 'student', tap: 'textEmbedding' },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return this.scale ? [{ name: 'logitScale', module: this.scale }] : [];
  }

  /** The temperature of this step: learned (a tensor) or fixed. */
  temperature(): tf.Scalar | number {
    return this.scale ? this.scale.temperature() : this.hparams.temperature;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (!step.active.has('contrastive')) return out;
    const image = step.student['imageEmbedding'];
    const text = step.student['textEmbedding'];
    if (!image || !text)
      throw new UserError(
        "method 'clip': the student returned no 'imageEmbedding' / 'textEmbedding' taps (use architecture 'clip')",
      );
    out['contrastive'] = tf.tidy(() => {
      const tau = this.temperature();
      if (!this.hparams.sameClassPositives) return infoNce(image, text, tau);
      const y = step.batch.y;
      if (!y) throw new UserError("method 'clip': sameClassPositives needs labels (batch.y)");
      const targets = tf.equal(tf.expandDims(y, 1), tf.expandDims(y, 0));
      return infoNce(image, text, tau, { targets });
    });
    return out;
  }
}
