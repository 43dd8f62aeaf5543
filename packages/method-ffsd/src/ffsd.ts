import * as tf from '@tensorflow/tfjs';
import {
  countCorrect,
  crossEntropy,
  deriveSeed,
  detach,
  injectable,
  Rng,
  sequentialBatches,
  softTargetKL,
  UserError,
  type AuxModule,
  type DistillationMethod,
  type MethodSetupContext,
  type MethodState,
  type ReportContext,
  type StepContext,
  type TapRequest,
  type TappedModel,
  type TapValues,
  type BatchKeyRequest,
} from '@kd/core';
import { attentionLoss, normalizedMse } from './attention.js';
import { diversityLoss, shiftedFeatureMap } from './diversity.js';
import { FeatureFusion, TransFusion } from './fusion-module.js';
import { ffsdHParams, ffsdTerms, type FfsdHParams } from './hparams.js';
import { SelfDistillationModule } from './self-distillation.js';
import { warmupClock, warmupFactor } from './warmup.js';

/** Aux-module optimizer groups (configure them under `train.groups.<group>`). */
export const FFSD_GROUPS = { peers: 'peers', fusion: 'fusion', selfDistillation: 'sd' } as const;

/** Names of the aux modules (and checkpoint prefixes). */
export const FFSD_MODULES = {
  peer: (i: number) => `peer${i}`,
  fusion: 'fusion',
  transFusion: 'trans_fusion',
  sdLeader: 'sd_leader',
  sdPeer: (i: number) => `sd_peer${i}`,
} as const;

/** Coefficients of one step after the warm-up. */
interface Lambdas {
  readonly div: number;
  readonly fusion: number;
  readonly sd: number;
  readonly peerSd: number;
}

/**
 * Li et al., "Online Knowledge Distillation via Feature Fusion and Self-Distillation" (FFSD). The run's
 * student is the student leader S_0; `setup` builds m common students S_1..S_m like it. One step
 * computes every network's forward once and returns every network's loss as a separate term; all
 * cross-network targets are detached, so the joint gradient of the sum gives each network the
 * gradient of its own official loss (see the README for the argument and the one ordering detail).
 */
@injectable()
export class FfsdMethod implements DistillationMethod<FfsdHParams> {
  private hp: FfsdHParams = ffsdHParams.parse({});
  private peers: TappedModel[] = [];
  private fusion?: FeatureFusion;
  private trans?: TransFusion;
  private sdLeader?: SelfDistillationModule;
  /** SD module of common student i (0-based); none for the first one, as in the official code. */
  private sdPeers: (SelfDistillationModule | undefined)[] = [];
  private tapSet: ReadonlySet<string> = new Set();
  /** Whether a fusion term has trained the fusion head in this run (else `report` leaves it out). */
  private fusionTrained = false;

  setup(ctx: MethodSetupContext<FfsdHParams>): void {
    this.dispose();
    this.hp = ctx.hparams;
    const { taps, commonStudents: m } = this.hp;
    const shapes = taps.map((name) => {
      const spec = ctx.tap('student', name);
      const s = spec.shape;
      if (spec.kind !== 'feature' || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
        throw new UserError(
          `method 'ffsd': hparams.taps: tap '${name}' must be a feature map [H, W, C], got a '${spec.kind}' tap [${s.join(', ')}]`,
        );
      }
      return [s[0]!, s[1]!, s[2]!] as [number, number, number];
    });
    const [h, w, c] = shapes[shapes.length - 1]!;
    const sdRng = new Rng(deriveSeed(ctx.seed, 'ffsd', 'sd'));
    this.sdLeader = new SelfDistillationModule(c, taps.length - 1, sdRng);
    const predicted = this.sdLeader.outputShapes(h, w);
    predicted.forEach((p, k) => {
      const actual = shapes[k]!;
      if (!tf.util.arraysEqual(p, actual)) {
        throw new UserError(
          `method 'ffsd': hparams.taps: the self-distillation module maps '${taps[taps.length - 1]}' [${h}, ${w}, ${c}] to ` +
            `[${p.join(', ')}] for '${taps[k]}', which is [${actual.join(', ')}] (each tap must halve H and W and double C ` +
            'relative to the one before it)',
        );
      }
    });
    for (let i = 1; i <= m; i++) {
      const peer = ctx.buildLike(ctx.student.name, deriveSeed(ctx.seed, 'ffsd', 'peer', i));
      this.peers.push(peer);
    }
    this.fusion = new FeatureFusion(c, m, ctx.data.numClasses, new Rng(deriveSeed(ctx.seed, 'ffsd', 'fusion')));
    this.trans = new TransFusion(c, m, new Rng(deriveSeed(ctx.seed, 'ffsd', 'trans-fusion')));
    this.sdPeers = this.peers.map((_, i) =>
      i === 0 ? undefined : new SelfDistillationModule(c, taps.length - 1, sdRng),
    );
    this.tapSet = new Set([...taps, 'logits']);
  }

  /** The common students S_1..S_m (after `setup`). */
  get commonStudents(): readonly TappedModel[] {
    return this.peers;
  }

  /** The parts built in `setup` (for tests and tools). */
  get modules(): {
    fusion: FeatureFusion;
    transFusion: TransFusion;
    sdLeader: SelfDistillationModule;
    sdPeers: readonly (SelfDistillationModule | undefined)[];
  } {
    if (!this.fusion || !this.trans || !this.sdLeader) throw new Error("method 'ffsd': setup() has not run");
    return { fusion: this.fusion, transFusion: this.trans, sdLeader: this.sdLeader, sdPeers: this.sdPeers };
  }

  /** The labels (every student and the fusion head learn them; the report scores them). */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'y', dtype: 'int32', shape: [], why: 'one class per sample' }];
  }

  requiredTaps(): readonly TapRequest[] {
    return [...this.hp.taps, 'logits'].map((tap) => ({ role: 'student' as const, tap }));
  }

  auxModules(): readonly AuxModule[] {
    if (!this.fusion || !this.trans || !this.sdLeader) return [];
    const out: AuxModule[] = this.peers.map((module, i) => ({
      name: FFSD_MODULES.peer(i + 1),
      module,
      group: FFSD_GROUPS.peers,
    }));
    out.push({ name: FFSD_MODULES.fusion, module: this.fusion, group: FFSD_GROUPS.fusion });
    out.push({ name: FFSD_MODULES.transFusion, module: this.trans });
    out.push({ name: FFSD_MODULES.sdLeader, module: this.sdLeader, group: FFSD_GROUPS.selfDistillation });
    this.sdPeers.forEach((module, i) => {
      if (module) out.push({ name: FFSD_MODULES.sdPeer(i + 1), module, group: FFSD_GROUPS.selfDistillation });
    });
    return out;
  }

  /** λ_div, λ_fusion, λ_sd (and the common students' SD coefficient) after the warm-up at this step. */
  lambdas(step: Pick<StepContext, 'epoch' | 'step' | 'stepsPerEpoch'>): Lambdas {
    const hp = this.hp;
    const f = warmupFactor(
      warmupClock(hp.warmupGranularity, step.epoch, step.step, step.stepsPerEpoch),
      hp.warmupEpochs,
    );
    const div = hp.lambdaDiversity * f;
    const fusion = hp.lambdaFusion * f;
    const sd = hp.lambdaSelfDistillation * f;
    const peerSd =
      hp.peerSdCoefficient === 'lambdaDiversity' ? div : hp.peerSdCoefficient === 'lambdaFusion' ? fusion : sd;
    return { div, fusion, sd, peerSd };
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const on = (name: string) => step.active.has(name);
    if (!ffsdTerms.some((t) => on(t.name))) return {};
    const { fusion, transFusion: trans, sdLeader } = this.modules;
    const hp = this.hp;
    const taps = hp.taps;
    const last = taps[taps.length - 1]!;
    const shallow = taps.slice(0, -1);
    const lam = this.lambdas(step);
    const y = step.batch.y;
    if (!y) throw new UserError("method 'ffsd' needs labels (batch key 'y')");
    const leader = step.student;
    const tapOf = (values: TapValues, name: string, who: string): tf.Tensor => {
      const v = values[name];
      if (!v) throw new UserError(`method 'ffsd': no tap '${name}' in the ${who}'s outputs this step`);
      return v;
    };
    const out: Record<string, tf.Scalar> = {};
    // Every common student's forward, once, placed by the step: the peers train in the distillation
    // stage, so training mode on the gradient tape (BN statistics update), as the official code.
    const peerOut = this.peers.map((p) => step.forward(p, step.batch, { taps: this.tapSet }));
    const peerLogits = peerOut.map((o, i) => tapOf(o, 'logits', `common student ${i + 1}`));
    const peerDeep = peerOut.map((o, i) => tapOf(o, last, `common student ${i + 1}`) as tf.Tensor4D);
    const leaderLogits = tapOf(leader, 'logits', 'leader');
    const leaderDeep = tapOf(leader, last, 'leader') as tf.Tensor4D;
    const m = this.peers.length;
    const sum = (xs: tf.Scalar[]): tf.Scalar => (xs.length ? (tf.addN(xs) as tf.Scalar) : tf.scalar(0));

    if (on('peer_ce')) out['peer_ce'] = sum(peerLogits.map((z) => crossEntropy(z, y)));
    if (on('dml')) {
      out['dml'] = sum(
        peerLogits.map((zi, i) => {
          const partners = peerLogits.filter((_, j) => j !== i);
          if (hp.dmlIncludesLeader) partners.push(leaderLogits);
          const kl = partners.map((zj) => softTargetKL(zi, detach(zj), hp.T));
          return tf.div(sum(kl), partners.length) as tf.Scalar;
        }),
      );
    }
    if (on('leader_dml')) {
      out['leader_dml'] = tf.div(
        sum(peerLogits.map((zj) => softTargetKL(leaderLogits, detach(zj), hp.T))),
        m,
      ) as tf.Scalar;
    }
    if (on('div')) {
      out['div'] = tf.mul(
        sum(peerDeep.slice(1).map((f, k) => diversityLoss(f, detach(peerDeep[k]!), hp.diversityNorm))),
        lam.div,
      ) as tf.Scalar;
    }
    // SD targets first: the eval-mode SD forwards must read the running statistics from before this
    // step's SD training forward (official order: networks' losses, then the SD modules' step).
    if (on('peer_sd')) {
      const parts: tf.Scalar[] = [];
      for (let i = 1; i < m; i++) {
        const targets = this.sdPeers[i]!.apply(shiftedFeatureMap(detach(peerDeep[i - 1]!), hp.diversityNorm), false);
        shallow.forEach((name, k) =>
          parts.push(attentionLoss(tapOf(peerOut[i]!, name, `common student ${i + 1}`), detach(targets[k]!))),
        );
      }
      out['peer_sd'] = tf.mul(sum(parts), lam.peerSd) as tf.Scalar;
    }
    const needsFusion = ['fusion_ce', 'fusion_kl', 'leader_kl', 'leader_fusion', 'leader_sd'].some(on);
    const concat =
      on('leader_trans') || needsFusion
        ? tf.concat(
            peerDeep.map((f) => detach(f)),
            3,
          )
        : undefined;
    if (needsFusion) {
      this.fusionTrained ||= on('fusion_ce') || on('fusion_kl');
      const fo = fusion.apply(concat!, true);
      if (on('fusion_ce')) out['fusion_ce'] = crossEntropy(fo.logits, y);
      if (on('fusion_kl')) {
        const ensemble = tf.div(tf.addN(peerLogits), m);
        out['fusion_kl'] = softTargetKL(fo.logits, detach(ensemble), hp.T);
      }
      if (on('leader_kl')) out['leader_kl'] = softTargetKL(leaderLogits, detach(fo.logits), hp.T);
      if (on('leader_fusion'))
        out['leader_fusion'] = tf.mul(attentionLoss(leaderDeep, detach(fo.fused)), lam.fusion) as tf.Scalar;
      if (on('leader_sd')) {
        const targets = sdLeader.apply(detach(fo.fused), false);
        const parts = shallow.map((name, k) => attentionLoss(tapOf(leader, name, 'leader'), detach(targets[k]!)));
        out['leader_sd'] = tf.mul(sum(parts), lam.fusion) as tf.Scalar;
      }
    }
    if (on('leader_trans')) {
      out['leader_trans'] = tf.mul(attentionLoss(trans.apply(leaderDeep, true), concat!), lam.fusion) as tf.Scalar;
    }
    if (on('sd_train')) {
      // Each SD module (the leader's and those of common students 2..m, as the official code) learns to
      // reconstruct its own network's shallow maps from that network's detached deepest map.
      const trained: [SelfDistillationModule, TapValues, string][] = [[sdLeader, leader, 'leader']];
      for (let i = 1; i < m; i++) trained.push([this.sdPeers[i]!, peerOut[i]!, `common student ${i + 1}`]);
      const parts: tf.Scalar[] = [];
      for (const [module, values, who] of trained) {
        const recon = module.apply(detach(tapOf(values, last, who) as tf.Tensor4D), true);
        shallow.forEach((name, k) => {
          const target = detach(tapOf(values, name, who));
          parts.push(normalizedMse(recon[k]!, target), attentionLoss(recon[k]!, target));
        });
      }
      out['sd_train'] = tf.mul(sum(parts), lam.sd) as tf.Scalar;
    }
    return out;
  }

  /**
   * Test accuracy of each common student (`peer1`…, and their mean `peers_mean`), of the fusion head
   * on their fused last maps (`fusion`), of the mean of their logits (`ensemble`), and the official
   * code's "ensemble accuracy" (`oracle`: a sample counts when ANY common student is right, because
   * its `utils.ensemble_accuracy` adds boolean hit tensors, i.e. a logical or), all in inference mode.
   * `fusion` is left out when no fusion term trained the head (e.g. the DML-only ablation).
   */
  report(ctx: ReportContext): Record<string, number> {
    if (!this.fusion || this.peers.length === 0) return {};
    const fusion = this.fusion;
    const last = this.hp.taps[this.hp.taps.length - 1]!;
    const taps = new Set([last, 'logits']);
    const m = this.peers.length;
    const correct = new Array<number>(m).fill(0);
    let fusionCorrect = 0;
    let ensembleCorrect = 0;
    let oracleCorrect = 0;
    const n = ctx.split.size;
    for (const idx of sequentialBatches(n, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = ctx.split.batch(idx);
        const outs = this.peers.map((p) => p.forward(batch, { training: false, taps }));
        outs.forEach((o, i) => (correct[i]! += countCorrect(o['logits']!, batch.y!)));
        ensembleCorrect += countCorrect(tf.addN(outs.map((o) => o['logits']!)), batch.y!);
        const hits = outs.map((o) => tf.equal(tf.argMax(o['logits']!, 1), batch.y!.toInt()));
        oracleCorrect += tf
          .sum(
            tf.cast(
              hits.reduce((a, b) => tf.logicalOr(a, b)),
              'int32',
            ),
          )
          .dataSync()[0]!;
        const fused = fusion.apply(
          tf.concat(
            outs.map((o) => o[last]!),
            3,
          ) as tf.Tensor4D,
          false,
        );
        fusionCorrect += countCorrect(fused.logits, batch.y!);
      });
    }
    const acc = (k: number) => (n > 0 ? k / n : 0);
    const out: Record<string, number> = {};
    correct.forEach((k, i) => (out[`peer${i + 1}`] = acc(k)));
    out['peers_mean'] = correct.reduce((a, b) => a + b, 0) / Math.max(m * n, 1);
    if (this.fusionTrained) out['fusion'] = acc(fusionCorrect);
    out['ensemble'] = acc(ensembleCorrect);
    out['oracle'] = acc(oracleCorrect);
    return out;
  }

  /** Non-variable state saved with checkpoints: whether the fusion head has been trained. */
  getState(): MethodState {
    return { tensors: {}, values: { fusionTrained: this.fusionTrained } };
  }

  setState(state: MethodState): void {
    this.fusionTrained = state.values['fusionTrained'] === true;
  }

  dispose(): void {
    this.fusionTrained = false;
    for (const p of this.peers) p.dispose();
    this.peers = [];
    this.fusion?.dispose();
    this.trans?.dispose();
    this.sdLeader?.dispose();
    for (const s of this.sdPeers) s?.dispose();
    this.fusion = undefined;
    this.trans = undefined;
    this.sdLeader = undefined;
    this.sdPeers = [];
  }
}
