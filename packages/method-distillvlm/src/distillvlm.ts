import * as tf from '@tensorflow/tfjs';
import {
  deriveSeed,
  injectable,
  Linear,
  Module,
  Rng,
  UserError,
  z,
  type AuxModule,
  type BatchKeyRequest,
  type DistillationMethod,
  type MethodSetupContext,
  type MethodState,
  type StepContext,
  type TapRequest,
  type TermSpec,
} from '@kd/core';
import { proposalBatchKeys, VlSceneModel } from '@kd/models';
import { maskedAttentionMse } from './attention-mse.js';
import { hiddenMse } from './hidden-mse.js';
import { mappedLayers } from './layer-map.js';
import { answerLogitKd, sequenceLogitKd } from './logit-kd.js';
import { queueTokenNce } from './token-nce.js';
import { enqueueRows, type QueueState } from './token-queue.js';

export const distillVlmHParams = z.object({
  attentionReduction: z
    .enum(['valid', 'all'])
    .default('valid')
    .describe(
      "att: 'valid' — squared differences over the real (query, key) pairs / (L·H·Σ n_b²) [R/I]; 'all' — the plain mean over every entry (TinyBERT) [I]",
    ),
  stateLayers: z
    .enum(['last', 'all'])
    .default('last')
    .describe('the student layers whose hidden states nce / hidden_mse read (each with its mapped teacher layer) [I]'),
  projectionDim: z
    .number()
    .int()
    .positive()
    .default(64)
    .describe('nce: width of the projections W_s, W_t (trainable, discarded after training) [I]'),
  queueSize: z
    .number()
    .int()
    .positive()
    .default(1024)
    .describe('nce: K, teacher token embeddings of earlier batches kept as negatives (FIFO) [I]'),
  temperature: z.number().positive().default(0.07).describe('nce: τ of the softmax (MoCo/CRD) [I]'),
  inBatchNegatives: z
    .boolean()
    .default(false)
    .describe("nce: the batch's other teacher tokens count as negatives too [I]"),
  logitTemperature: z
    .number()
    .positive()
    .default(1)
    .describe('logit: t of the soft targets (VQA answers: σ(z/t); captioning: softmax(z/t), loss × t²) [I]'),
});
export type DistillVlmHParams = z.output<typeof distillVlmHParams>;

export const distillVlmTerms: readonly TermSpec[] = [
  {
    name: 'att',
    defaultWeight: 1,
    description:
      "MSE between the student's and the (adapted) teacher's attention probabilities, per mapped layer and head, over the real tokens",
  },
  {
    name: 'nce',
    defaultWeight: 1,
    description:
      "token-wise InfoNCE: each student token's projection against its teacher token's (positive) and a FIFO queue of earlier teacher tokens (negatives)",
  },
  {
    name: 'hidden_mse',
    defaultWeight: 0,
    description:
      "MSE between the student's hidden states mapped to the teacher's width and the teacher's (the ablation's alternative to nce)",
  },
  {
    name: 'logit',
    defaultWeight: 0,
    description:
      'prediction-level KD: BCE to the teacher’s answer probabilities (VQA) or t²·KL to its next-token distributions (captioning)',
  },
];

/** The projections of the state terms, one set per distilled student layer. */
class Projections extends Module {
  readonly student = new Map<number, Linear>();
  readonly teacher = new Map<number, Linear>();
  readonly hidden = new Map<number, Linear>();

  constructor(
    layers: readonly number[],
    dS: number,
    dT: number,
    dim: number,
    nce: boolean,
    hidden: boolean,
    seed: number,
  ) {
    super();
    for (const l of layers) {
      const rng = (what: string) => new Rng(deriveSeed(seed, 'distillvlm', what, l));
      if (nce) {
        this.student.set(l, this.addChild(`student${l}`, new Linear(dS, dim, rng('ws'), false)));
        this.teacher.set(l, this.addChild(`teacher${l}`, new Linear(dT, dim, rng('wt'), false)));
      }
      if (hidden) this.hidden.set(l, this.addChild(`hidden${l}`, new Linear(dS, dT, rng('wh'), false)));
    }
  }
}

const PROJECTIONS = 'projections';

/**
 * DistillVLM (Fang et al., ICCV 2021): a small vision-language transformer distilled from a large one
 * whose regions were **adapted** to the student's — the teacher re-trained on the student's proposal
 * source with its own backbone (a teacher recipe whose `options.proposals` names the student's
 * source), so token i is the same word or box in both. Terms: attention-map MSE (`att`), token-wise
 * NCE on hidden states against a queue of teacher tokens (`nce`), the hidden-state MSE alternative
 * (`hidden_mse`) and prediction-level KD (`logit`). Teacher and student are `vl-scene` models with
 * the same tokens (text length, regions) and heads; unequal depths map layers uniformly.
 */
@injectable()
export class DistillVlmMethod implements DistillationMethod<DistillVlmHParams> {
  private hp: DistillVlmHParams = distillVlmHParams.parse({});
  private teacherName = 'teacher';
  private studentName = 'student';
  private taps: TapRequest[] = [];
  private attPairs: [number, number][] = [];
  private statePairs: [number, number][] = [];
  private logitTap?: 'logits' | 'mlmLogits';
  private proposalMaskKey = 'proposalMask';
  private regions = 0;
  private projections?: Projections;
  private queues = new Map<number, QueueState>();
  private pending = new Map<number, tf.Tensor2D>();

  setup(ctx: MethodSetupContext<DistillVlmHParams>): void {
    this.hp = ctx.hparams;
    if (!ctx.teacher) throw new UserError("method 'distillvlm' needs a teacher (teacher: …)");
    const teacher = ctx.teacher.model;
    const student = ctx.student.model;
    if (!(teacher instanceof VlSceneModel) || !(student instanceof VlSceneModel)) {
      throw new UserError(
        `method 'distillvlm' distils one vl-scene model into another; got teacher '${teacher.arch}' and student '${student.arch}'`,
      );
    }
    this.teacherName = ctx.teacher.name;
    this.studentName = ctx.student.name;
    const t = teacher.config;
    const s = student.config;
    for (const field of ['textLength', 'regions'] as const) {
      if (t[field] !== s[field])
        throw new UserError(
          `method 'distillvlm' pairs tokens one to one: student ${field} ${s[field]}, teacher ${t[field]} (set the same options.${field === 'textLength' ? 'data length' : 'regions'})`,
        );
    }
    const on = (term: string) => ctx.activeTerms?.has(term) ?? true;
    if (on('att') && t.heads !== s.heads)
      throw new UserError(
        `method 'distillvlm': att pairs attention heads one to one: student heads ${s.heads}, teacher heads ${t.heads}`,
      );
    const map = mappedLayers(s.layers, t.layers);
    this.attPairs = on('att') ? map : [];
    const stateOn = on('nce') || on('hidden_mse');
    this.statePairs = stateOn ? (this.hp.stateLayers === 'last' ? [map.at(-1)!] : map) : [];
    this.logitTap = undefined;
    if (on('logit')) {
      if (s.head === 'answers') this.logitTap = 'logits';
      else if (s.textAttention === 'causal') this.logitTap = 'mlmLogits';
      else
        throw new UserError(
          "method 'distillvlm': logit distils VQA answers (student options.head: answers) or a captioner's next-token logits (options.textAttention: causal)",
        );
    }
    this.proposalMaskKey = proposalBatchKeys(s.proposals).mask;
    this.regions = s.regions;
    this.taps = [
      ...this.attPairs.flatMap(([ls, lt]) => [
        { role: 'student' as const, tap: `layer${ls}.attention` },
        { role: 'teacher' as const, tap: `layer${lt}.attention` },
      ]),
      ...this.statePairs.flatMap(([ls, lt]) => [
        { role: 'student' as const, tap: `layer${ls}` },
        { role: 'teacher' as const, tap: `layer${lt}` },
      ]),
      ...(this.logitTap
        ? [
            { role: 'student' as const, tap: this.logitTap },
            { role: 'teacher' as const, tap: this.logitTap },
          ]
        : []),
    ];
    for (const r of this.taps) ctx.tap(r.role, r.tap, r.model);
    this.projections?.dispose();
    this.projections = new Projections(
      this.statePairs.map(([ls]) => ls),
      s.dModel,
      t.dModel,
      this.hp.projectionDim,
      on('nce'),
      on('hidden_mse'),
      ctx.seed,
    );
    this.disposeQueues();
    if (on('nce')) {
      for (const [ls] of this.statePairs) {
        this.queues.set(ls, { rows: tf.zeros([this.hp.queueSize, this.hp.projectionDim]), head: 0, filled: 0 });
      }
    }
  }

  requiredTaps(): readonly TapRequest[] {
    return this.taps;
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [
      {
        key: 'tokenMask',
        dtype: 'float32',
        rank: 1,
        why: 'which text tokens are real (the terms average over real tokens)',
      },
      { key: this.proposalMaskKey, dtype: 'float32', rank: 1, why: "which of the student's regions are real" },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return this.projections && this.projections.namedParameters().size > 0
      ? [{ name: PROJECTIONS, module: this.projections }]
      : [];
  }

  /** [B, T + R]: 1 at the real text tokens and regions. */
  private tokenMask(step: StepContext): tf.Tensor2D {
    const text = step.batch['tokenMask']!;
    const proposals = step.batch[this.proposalMaskKey]!;
    const b = text.shape[0]!;
    return tf.concat([tf.cast(text, 'float32'), tf.slice(proposals, [0, 0], [b, this.regions])], 1) as tf.Tensor2D;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    const S = (tap: string) => step.tap(this.studentName, tap);
    const T = (tap: string) => step.tap(this.teacherName, tap);
    const needsMask = step.active.has('att') || step.active.has('nce') || step.active.has('hidden_mse');
    const mask = needsMask ? this.tokenMask(step) : undefined;
    if (step.active.has('att')) {
      out['att'] = maskedAttentionMse(
        this.attPairs.map(([ls, lt]) => [S(`layer${ls}.attention`), T(`layer${lt}.attention`)] as const),
        mask!,
        this.hp.attentionReduction,
      );
    }
    if (step.active.has('nce')) {
      this.disposePending();
      const terms = this.statePairs.map(([ls, lt]) => {
        const { loss, v } = queueTokenNce(
          S(`layer${ls}`),
          T(`layer${lt}`),
          mask!,
          this.projections!.student.get(ls)!.weight as tf.Tensor2D,
          this.projections!.teacher.get(ls)!.weight as tf.Tensor2D,
          this.queues.get(ls)!,
          { temperature: this.hp.temperature, inBatchNegatives: this.hp.inBatchNegatives },
        );
        this.pending.set(ls, v);
        return loss;
      });
      out['nce'] = tf.div(tf.addN(terms), terms.length) as tf.Scalar;
    }
    if (step.active.has('hidden_mse')) {
      const terms = this.statePairs.map(([ls, lt]) =>
        hiddenMse(S(`layer${ls}`), T(`layer${lt}`), mask!, this.projections!.hidden.get(ls)!.weight as tf.Tensor2D),
      );
      out['hidden_mse'] = tf.div(tf.addN(terms), terms.length) as tf.Scalar;
    }
    if (step.active.has('logit') && this.logitTap) {
      const t = this.hp.logitTemperature;
      if (this.logitTap === 'logits') out['logit'] = answerLogitKd(S('logits'), T('logits'), t);
      else {
        // next-token logits: position i predicts token i + 1; the real targets count
        const zs = S('mlmLogits');
        const [b, len, v] = zs.shape as [number, number, number];
        const cut = (z: tf.Tensor) => tf.slice(z, [0, 0, 0], [b, len - 1, v]);
        const targets = tf.slice(step.batch['tokenMask']!, [0, 1], [b, len - 1]);
        out['logit'] = sequenceLogitKd(cut(zs), cut(T('mlmLogits')), targets, t);
      }
    }
    return out;
  }

  /** After the optimizer step: this step's teacher tokens join the queues (the next step's negatives). */
  onStepEnd(): void {
    for (const [l, v] of this.pending) {
      const q = this.queues.get(l)!;
      const next = enqueueRows(q, v);
      tf.keep(next.rows);
      q.rows.dispose();
      this.queues.set(l, next);
    }
    this.disposePending();
  }

  getState(): MethodState {
    const tensors: Record<string, tf.Tensor> = {};
    const values: Record<string, number> = {};
    for (const [l, q] of this.queues) {
      tensors[`queue${l}`] = q.rows;
      values[`queue${l}.head`] = q.head;
      values[`queue${l}.filled`] = q.filled;
    }
    return { tensors, values };
  }

  setState(state: MethodState): void {
    for (const [l, q] of this.queues) {
      const rows = state.tensors[`queue${l}`];
      if (!rows) continue;
      if (rows.shape.join() !== q.rows.shape.join())
        throw new UserError(
          `method 'distillvlm': the checkpoint's queue${l} is [${rows.shape}], this run's [${q.rows.shape}] (queueSize, projectionDim)`,
        );
      q.rows.dispose();
      this.queues.set(l, {
        rows: tf.keep(rows.clone()) as tf.Tensor2D,
        head: Number(state.values[`queue${l}.head`] ?? 0),
        filled: Number(state.values[`queue${l}.filled`] ?? 0),
      });
    }
  }

  private disposePending(): void {
    for (const v of this.pending.values()) v.dispose();
    this.pending.clear();
  }

  private disposeQueues(): void {
    for (const q of this.queues.values()) q.rows.dispose();
    this.queues.clear();
  }

  dispose(): void {
    this.disposePending();
    this.disposeQueues();
    this.projections?.dispose();
  }
}
