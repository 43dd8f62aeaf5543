import * as tf from '@tensorflow/tfjs';
import {
  channelsOf,
  CONNECTOR_KINDS,
  ConvConnector,
  crossEntropy,
  deriveSeed,
  detach,
  injectable,
  isTrainable,
  pointwiseGeometry,
  Rng,
  softTargetKL,
  UserError,
  z,
  type AuxModule,
  type Batch,
  type DistillationMethod,
  type MethodSetupContext,
  type StepContext,
  type TapRequest,
  type TappedModel,
  type TapSpec,
  type TapValues,
  type TermSpec,
  type BatchKeyRequest,
} from '@kd/core';
import { ConnectorSet } from './connectors.js';
import { adaIN, channelStats, statLoss } from './statistics.js';

/** A student tap matched to a teacher tap. */
export const tapPair = z
  .object({
    student: z.string().min(1).describe('student feature tap (any spatial size: statistics are pooled)'),
    teacher: z.string().min(1).describe("teacher feature tap; must be resumable (the teacher's forwardFrom)"),
  })
  .strict();

export type TapPair = z.output<typeof tapPair>;

/** Judges of the injected feature (methods.md §6, L_AIN candidates (a) and (b)). */
export const JUDGES = ['kl', 'ce'] as const;
export type Judge = (typeof JUDGES)[number];

/** Hyperparameters of AdaIN-KD (every one a reconstruction: no official code, method text unread). */
export const adainHParams = z.object({
  pairs: z
    .array(tapPair)
    .min(1)
    .default([{ student: 'stage2', teacher: 'stage2' }])
    .describe(
      '(student tap, teacher tap) pairs, one connector and one loss each, summed [R]: the last stage before global pooling ' +
        '(methods.md §6 reconstruction); several pairs = the tap-position ablation',
    ),
  judge: z
    .enum(JUDGES)
    .default('kl')
    .describe(
      "How the teacher's rest judges the injected feature [I]: 'kl' = tau²·KL(softmax(T(F_T)/tau) ‖ softmax(T(AdaIN)/tau)), zero when the " +
        "statistics match (methods.md's recommended default); 'ce' = cross-entropy of T(AdaIN) to the labels",
    ),
  tau: z
    .number()
    .positive()
    .default(4)
    .describe("Temperature of the 'kl' judge (our choice [I]: T = 4 and the T² factor of Hinton KD as in method 'kd')"),
  eps: z
    .number()
    .positive()
    .default(1e-5)
    .describe('eps in σ = sqrt(biased variance + eps) (our choice [I], the usual AdaIN / instance-norm value)'),
  connector: z
    .enum(CONNECTOR_KINDS)
    .default('conv-bn-relu')
    .describe(
      "Connector ρ from the student's channels to the teacher's: 1x1 conv + BN + ReLU as the authors' later KD_SRRL transfer_conv [I]; " +
        "'conv-bn' drops the ReLU, 'conv' the BN",
    ),
});

export type AdainHParams = z.output<typeof adainHParams>;

export const adainTerms: readonly TermSpec[] = [
  {
    name: 'stat',
    defaultWeight: 1,
    description:
      'L2 statistics baseline: (1/C) Σ_c (μ_S − μ_T)² + (σ_S − σ_T)², mean over the batch, summed over pairs (F_S through the connector)',
  },
  {
    name: 'ain',
    defaultWeight: 1,
    description:
      "Teacher evaluates: the frozen teacher's rest T_{>k} on AdaIN(F_T; μ_S, σ_S), judged by KL to the teacher's own logits ('kl') or CE to the labels ('ce'); summed over pairs",
  },
];

/** Name of the aux module holding the connectors. */
export const CONNECTORS = 'connectors';

function featureChannels(role: string, tap: string, spec: TapSpec): number {
  if (spec.kind !== 'feature' || spec.shape.length !== 3) {
    throw new UserError(
      `method 'adain' needs a feature map [H, W, C]; ${role} tap '${tap}' [${spec.shape.join(', ')}] is a '${spec.kind}' tap`,
    );
  }
  return channelsOf(spec);
}

/**
 * Yang, Martinez, Bulat, Tzimiropoulos 2020, "Knowledge distillation via adaptive instance
 * normalization" (reconstruction, see README): the student's channel statistics (through a
 * connector) are injected into the teacher's feature by AdaIN and the frozen rest of the teacher
 * judges the result (`ain`); the L2 loss on the statistics (`stat`) is the paper's baseline.
 */
@injectable()
export class AdainMethod implements DistillationMethod<AdainHParams> {
  private hp: AdainHParams = adainHParams.parse({});
  private teacherModel?: TappedModel;
  private conns?: ConnectorSet;

  setup(ctx: MethodSetupContext<AdainHParams>): void {
    this.hp = ctx.hparams;
    const teacher = ctx.teacher;
    if (!teacher) throw new UserError("method 'adain' needs a teacher (add a teacher block to the run)");
    if (isTrainable(teacher)) {
      throw new UserError(
        "method 'adain' needs a frozen teacher: its remaining layers judge the injected statistics (set teacher.trainable: false)",
      );
    }
    const resumable = teacher.model.resumableTaps?.() ?? [];
    const connectors = this.hp.pairs.map((pair, i) => {
      const sc = featureChannels('student', pair.student, ctx.tap('student', pair.student));
      const tc = featureChannels('teacher', pair.teacher, ctx.tap('teacher', pair.teacher));
      if (!teacher.model.forwardFrom || !resumable.includes(pair.teacher)) {
        throw new UserError(
          `method 'adain': hparams.pairs[${i}].teacher '${pair.teacher}': teacher model '${teacher.model.arch}' cannot run its remaining layers ` +
            `from that tap (resumable taps: ${resumable.length ? resumable.join(', ') : 'none'})`,
        );
      }
      return new ConvConnector(
        pointwiseGeometry(sc, tc),
        this.hp.connector,
        new Rng(deriveSeed(ctx.seed, 'adain', CONNECTORS, i)),
      );
    });
    ctx.tap('teacher', 'logits');
    this.teacherModel = teacher.model;
    this.conns?.dispose();
    this.conns = new ConnectorSet(connectors);
  }

  /** The connectors, one per pair (after `setup`). */
  get connectors(): ConnectorSet {
    if (!this.conns) throw new Error("method 'adain': setup() has not run");
    return this.conns;
  }

  /** With the CE judge, the labels of the batch (the injected teacher's logits are scored against them). */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return this.hp.judge === 'ce'
      ? [{ key: 'y', dtype: 'int32', shape: [], why: 'judge ce scores the injected logits against the labels' }]
      : [];
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      ...this.hp.pairs.flatMap((p) => [
        { role: 'teacher' as const, tap: p.teacher },
        { role: 'student' as const, tap: p.student },
      ]),
      { role: 'teacher', tap: 'logits' },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return this.conns ? [{ name: CONNECTORS, module: this.conns }] : [];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const wantStat = step.active.has('stat');
    const wantAin = step.active.has('ain');
    const out: Record<string, tf.Scalar> = {};
    if (!wantStat && !wantAin) return out;
    const stats: tf.Scalar[] = [];
    const ains: tf.Scalar[] = [];
    const result = tf.tidy(() => {
      this.hp.pairs.forEach((pair, i) => {
        const connected = this.connectors.items[i]!.apply(tapValue(step.student, 'student', pair.student), true);
        const teacherFeature = detach(tapValue(step.teacher, 'teacher', pair.teacher));
        const studentStats = channelStats(connected, this.hp.eps);
        if (wantStat) stats.push(statLoss(studentStats, channelStats(teacherFeature, this.hp.eps)));
        if (wantAin) ains.push(this.ainLoss(pair.teacher, teacherFeature, studentStats, step));
      });
      const r: Record<string, tf.Scalar> = {};
      if (wantStat) r['stat'] = tf.addN(stats) as tf.Scalar;
      if (wantAin) r['ain'] = tf.addN(ains) as tf.Scalar;
      return r;
    });
    Object.assign(out, result);
    return out;
  }

  /**
   * The teacher's logits on its own feature at `teacherTap` with the student's statistics injected:
   * T_{>k}(AdaIN(F_T; μ_S, σ_S)), the frozen rest in inference mode. Gradients flow through it to
   * the statistics; the teacher's variables are never differentiated (they are in no gradient list).
   * `batch` is the step's batch (the teacher's other inputs, if its resume needs any).
   */
  injectedLogits(
    teacherTap: string,
    teacherFeature: tf.Tensor,
    studentStats: { mean: tf.Tensor2D; std: tf.Tensor2D },
    batch: Batch,
  ): tf.Tensor {
    const teacher = this.teacherModel;
    if (!teacher?.forwardFrom) throw new Error("method 'adain': setup() has not run");
    return tf.tidy(() => {
      const injected = adaIN(teacherFeature, studentStats, this.hp.eps);
      const logits = teacher.forwardFrom!(teacherTap, injected, batch, { training: false, taps: new Set<string>() })[
        'logits'
      ];
      if (!logits) throw new Error(`teacher '${teacher.arch}' forwardFrom('${teacherTap}') returned no logits`);
      return logits;
    });
  }

  /** L_AIN for one pair with the configured judge. */
  private ainLoss(
    teacherTap: string,
    teacherFeature: tf.Tensor,
    studentStats: { mean: tf.Tensor2D; std: tf.Tensor2D },
    step: StepContext,
  ): tf.Scalar {
    const logits = this.injectedLogits(teacherTap, teacherFeature, studentStats, step.batch);
    if (this.hp.judge === 'ce') {
      const y = step.batch['y'];
      if (!y) throw new UserError("method 'adain' with judge 'ce' needs labels 'y' in the batch");
      return crossEntropy(logits, y);
    }
    const own = tapValue(step.teacher, 'teacher', 'logits');
    return softTargetKL(logits, detach(own), this.hp.tau);
  }

  dispose(): void {
    this.conns?.dispose();
    this.conns = undefined;
  }
}

function tapValue(values: TapValues | undefined, role: string, tap: string): tf.Tensor {
  const v = values?.[tap];
  if (!v) throw new UserError(`method 'adain': no ${role} tap '${tap}' in this step's outputs`);
  return v;
}
