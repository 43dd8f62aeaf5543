import * as tf from '@tensorflow/tfjs';
import {
  describeHParams,
  MissingTapError,
  stepHelpers,
  UserError,
  type DataSplit,
  type StepContext,
  type TapValues,
} from '@kd/core';
import { describe, expect, it } from 'vitest';
import { expectFlatTensorCount, gradNorm, participant, setupContext, TinyNet } from '@kd/testing';
import { ffsdDescriptor } from './descriptor.js';
import { FFSD_GROUPS, FFSD_MODULES, FfsdMethod } from './ffsd.js';
import { ffsdHParams, ffsdTerms, type FfsdHParams } from './hparams.js';

const ALL_TERMS = ffsdTerms.map((t) => t.name);

/**
 * Leader = TinyNet width 4 on 8x8x1 (stage1 [8,8,4], stage2 [4,4,8]); common students built like it
 * (TinyNets with the seeds buildLike receives). Taps stage1, stage2: one SD block 8→4 channels, 4→8 px.
 */
function tinyRun(overrides: Partial<FfsdHParams> = {}, seed = 7) {
  const leader = new TinyNet(4, 8, 5, 1);
  const seeds: number[] = [];
  const peers: TinyNet[] = [];
  const method = new FfsdMethod();
  const hp = ffsdHParams.parse({ taps: ['stage1', 'stage2'], ...overrides });
  method.setup(
    setupContext('ffsd', hp, undefined, participant('student', 'student', leader), seed, (name, s) => {
      expect(name).toBe('student');
      seeds.push(s);
      const p = new TinyNet(4, 8, 5, s);
      peers.push(p);
      return p;
    }),
  );
  const batch = { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
  return { leader, peers, seeds, method, batch };
}

function step(
  student: TapValues,
  batch: { x: tf.Tensor; y: tf.Tensor },
  active: Iterable<string>,
  at: Partial<StepContext> = {},
): StepContext {
  const outputs = { student };
  return {
    ...stepHelpers(outputs, [], (m) => !m.isFrozen),
    batch,
    outputs,
    student,
    epoch: 10,
    step: 0,
    stepsPerEpoch: 1,
    totalEpochs: 10,
    active: new Set(active),
    ...at,
  };
}

describe('ffsd descriptor and hyperparameters', () => {
  it('documents every hyperparameter with the official defaults', () => {
    const docs = Object.fromEntries(describeHParams(ffsdDescriptor.hparams).map((d) => [d.name, d]));
    expect(docs['commonStudents']!.default).toBe(2);
    expect(docs['T']!.default).toBe(2);
    expect(docs['lambdaDiversity']!.default).toBe(1e-5);
    expect(docs['lambdaFusion']!.default).toBe(10);
    expect(docs['lambdaSelfDistillation']!.default).toBe(1000);
    expect(docs['warmupEpochs']!.default).toBe(5);
    expect(docs['warmupGranularity']!.default).toBe('epoch');
    expect(docs['peerSdCoefficient']!.default).toBe('lambdaDiversity');
    expect(docs['diversityNorm']!.default).toBe('raw');
    expect(docs['dmlIncludesLeader']!.default).toBe(false);
    for (const d of Object.values(docs)) expect(d.description.length).toBeGreaterThan(20);
    expect(ffsdDescriptor.id).toBe('ffsd');
    expect(() => ffsdHParams.parse({ commonStudents: 1 })).toThrow();
    expect(() => ffsdHParams.parse({ taps: ['stage3'] })).toThrow();
  });

  it('has one term per network loss, all on by default except the DML-ablation term', () => {
    expect(ALL_TERMS).toEqual([
      'peer_ce',
      'dml',
      'div',
      'peer_sd',
      'fusion_ce',
      'fusion_kl',
      'leader_kl',
      'leader_fusion',
      'leader_trans',
      'leader_sd',
      'sd_train',
      'leader_dml',
    ]);
    for (const t of ffsdTerms) expect(t.defaultWeight).toBe(t.name === 'leader_dml' ? 0 : 1);
  });
});

describe('ffsd setup', () => {
  it('builds m common students like the student with distinct seeds derived from the run seed', () => {
    const a = tinyRun({ commonStudents: 3 });
    expect(a.peers).toHaveLength(3);
    expect(new Set(a.seeds).size).toBe(3);
    expect(tinyRun({ commonStudents: 3 }).seeds).toEqual(a.seeds);
    expect(tinyRun({ commonStudents: 3 }, 8).seeds).not.toEqual(a.seeds);
    expect(a.method.commonStudents).toEqual(a.peers);
  });

  it('registers peers, fusion, trans-fusion and SD modules in their optimizer groups', () => {
    const { method, peers } = tinyRun({ commonStudents: 3 });
    const aux = method.auxModules();
    expect(aux.map((a) => [a.name, a.group ?? 'main'])).toEqual([
      ['peer1', 'peers'],
      ['peer2', 'peers'],
      ['peer3', 'peers'],
      ['fusion', 'fusion'],
      ['trans_fusion', 'main'],
      ['sd_leader', 'sd'],
      ['sd_peer2', 'sd'],
      ['sd_peer3', 'sd'],
    ]);
    expect(aux[0]!.module).toBe(peers[0]);
    expect(FFSD_GROUPS).toEqual({ peers: 'peers', fusion: 'fusion', selfDistillation: 'sd' });
    expect(FFSD_MODULES.sdPeer(2)).toBe('sd_peer2');
    // fusion on 2 students' stage2 maps (8 channels each): depthwise over 24 channels → 8
    const m = method.modules;
    expect(m.fusion.body.depthwise.weight.shape).toEqual([3, 3, 24, 1]);
    expect(m.fusion.body.pointwise.weight.shape).toEqual([1, 1, 24, 8]);
    expect(m.fusion.fc.weight.shape).toEqual([8, 5]);
    expect(m.transFusion.body.pointwise.weight.shape).toEqual([1, 1, 8, 24]);
    expect(m.sdLeader.outputShapes(4, 4)).toEqual([[8, 8, 4]]);
    expect(m.sdPeers[0]).toBeUndefined();
    expect(method.requiredTaps()).toEqual(['stage1', 'stage2', 'logits'].map((tap) => ({ role: 'student', tap })));
  });

  it('rejects taps the SD modules cannot map onto, a non-feature tap, and a missing tap, naming them', () => {
    expect(() => tinyRun({ taps: ['stage2', 'stage1'] })).toThrow(UserError);
    expect(() => tinyRun({ taps: ['stage2', 'stage1'] })).toThrow(
      /'stage1' \[8, 8, 4\] to \[16, 16, 2\] for 'stage2', which is \[4, 4, 8\]/,
    );
    expect(() => tinyRun({ taps: ['stage1', 'logits'] })).toThrow(/tap 'logits' must be a feature map/);
    expect(() => tinyRun({ taps: ['stage1', 'stage9'] })).toThrow(MissingTapError);
  });
});

describe('ffsd losses', () => {
  it("computes only the active terms (nothing, not even the common students' forward, when none is)", () => {
    const { method, leader, peers, batch } = tinyRun();
    const s = leader.forward(batch, { training: true });
    const before = Array.from(peers[0]!.namedVariables().get('bn1.running_mean')!.dataSync());
    expect(method.losses(step(s, batch, []))).toEqual({});
    expect(Array.from(peers[0]!.namedVariables().get('bn1.running_mean')!.dataSync())).toEqual(before);
    for (const term of ALL_TERMS) {
      const out = method.losses(step(s, batch, [term]));
      expect(Object.keys(out)).toEqual([term]);
      expect(out[term]!.rank).toBe(0);
      expect(Number.isFinite(out[term]!.dataSync()[0]!)).toBe(true);
      expect(out[term]!.dataSync()[0]!, term).toBeGreaterThan(0);
    }
  });

  it("warms λ up per epoch (official) or per step, and picks the common students' SD coefficient", () => {
    const { method } = tinyRun();
    const at = (epoch: number, s = 0, spe = 1) => method.lambdas({ epoch, step: s, stepsPerEpoch: spe });
    expect(at(1).fusion).toBeCloseTo(10 * Math.exp(-5 * 0.8 ** 2), 10);
    expect(at(5).fusion).toBe(10);
    expect(at(6).sd).toBe(1000);
    expect(at(2).div).toBeCloseTo(1e-5 * Math.exp(-5 * 0.6 ** 2), 15);
    expect(at(2).peerSd).toBe(at(2).div);
    const stepped = tinyRun({ warmupEpochs: 0.5, warmupGranularity: 'step' }).method;
    // step 1 of 10 per epoch: 0.2 epochs done → exp(−5 (1 − 0.4)²)
    expect(stepped.lambdas({ epoch: 1, step: 1, stepsPerEpoch: 10 }).fusion).toBeCloseTo(10 * Math.exp(-5 * 0.36), 10);
    expect(stepped.lambdas({ epoch: 1, step: 5, stepsPerEpoch: 10 }).fusion).toBe(10);
    expect(
      tinyRun({ peerSdCoefficient: 'lambdaFusion' }).method.lambdas({ epoch: 9, step: 0, stepsPerEpoch: 1 }).peerSd,
    ).toBe(10);
    expect(tinyRun({ warmupEpochs: 0 }).method.lambdas({ epoch: 1, step: 0, stepsPerEpoch: 1 }).div).toBe(1e-5);
  });

  it('switches: the SD coefficient scales peer_sd; the leader joins DML only when asked', () => {
    const value = (hp: Partial<FfsdHParams>, term: string) => {
      const { method, leader, batch } = tinyRun(hp);
      return method.losses(step(leader.forward(batch, { training: true }), batch, [term]))[term]!.dataSync()[0]!;
    };
    expect(value({ peerSdCoefficient: 'lambdaFusion' }, 'peer_sd') / value({}, 'peer_sd')).toBeCloseTo(10 / 1e-5, -2);
    expect(value({ dmlIncludesLeader: true }, 'dml')).not.toBeCloseTo(value({}, 'dml'), 5);
    expect(value({ diversityNorm: 'unit' }, 'div')).not.toBeCloseTo(value({}, 'div'), 12);
  });
});

describe('ffsd step order', () => {
  it("computes the SD targets (inference mode) before the SD modules' training forward updates their BN statistics", () => {
    const value = (active: string[], term: string) => {
      const { method, leader, batch } = tinyRun({ commonStudents: 3 });
      return method.losses(step(leader.forward(batch, { training: true }), batch, active))[term]!.dataSync()[0]!;
    };
    for (const term of ['leader_sd', 'peer_sd']) {
      expect(value([term, 'sd_train'], term), term).toBe(value([term], term));
    }
    // and the training forward does move the statistics the targets read
    const { method, leader, batch } = tinyRun();
    const before = Array.from(method.modules.sdLeader.namedVariables().get('block0.bn.running_mean')!.dataSync());
    method.losses(step(leader.forward(batch, { training: true }), batch, ['sd_train']));
    expect(Array.from(method.modules.sdLeader.namedVariables().get('block0.bn.running_mean')!.dataSync())).not.toEqual(
      before,
    );
  });
});

describe('ffsd gradient flow', () => {
  /** Which parts each term trains: the official code's detaches, one optimizer per network. */
  const owners: Record<string, readonly string[]> = {
    peer_ce: ['peer1', 'peer2', 'peer3'],
    dml: ['peer1', 'peer2', 'peer3'],
    div: ['peer2', 'peer3'],
    peer_sd: ['peer2', 'peer3'],
    fusion_ce: ['fusion'],
    fusion_kl: ['fusion'],
    leader_kl: ['leader'],
    leader_fusion: ['leader'],
    leader_trans: ['leader', 'trans_fusion'],
    leader_sd: ['leader'],
    sd_train: ['sd_leader', 'sd_peer2', 'sd_peer3'],
    leader_dml: ['leader'],
  };

  function parts(method: FfsdMethod, leader: TinyNet): Map<string, tf.Variable[]> {
    const out = new Map<string, tf.Variable[]>([['leader', leader.trainableVariables()]]);
    for (const a of method.auxModules()) out.set(a.name, a.module.trainableVariables());
    return out;
  }

  it('each term reaches exactly the parts the official code updates with it (detached targets give no gradient)', () => {
    const { method, leader, batch } = tinyRun({ commonStudents: 3 });
    const byPart = parts(method, leader);
    const all = [...byPart.values()].flat();
    for (const term of ALL_TERMS) {
      const active = [term];
      const { grads } = tf.variableGrads(() => {
        const s = leader.forward(batch, { training: true });
        return method.losses(step(s, batch, active, { epoch: 1 }))[term]!;
      }, all);
      for (const [part, vars] of byPart) {
        const total = vars.reduce((acc, v) => acc + gradNorm(grads[v.name]), 0);
        if (owners[term]!.includes(part)) expect(total, `${term} → ${part}`).toBeGreaterThan(0);
        else expect(total, `${term} must not reach ${part}`).toBe(0);
      }
      tf.dispose(Object.values(grads));
    }
  });

  it('with every term on, every trainable part gets a gradient, and the SD modules only from sd_train', () => {
    const { method, leader, batch } = tinyRun({ commonStudents: 3 });
    const byPart = parts(method, leader);
    const all = [...byPart.values()].flat();
    const grad = (active: string[]) =>
      tf.variableGrads(() => {
        const s = leader.forward(batch, { training: true });
        const out = method.losses(step(s, batch, active));
        return tf.addN(Object.values(out)) as tf.Scalar;
      }, all).grads;
    const full = grad(ALL_TERMS);
    for (const [part, vars] of byPart) {
      expect(
        vars.reduce((acc, v) => acc + gradNorm(full[v.name]), 0),
        part,
      ).toBeGreaterThan(0);
    }
    const withoutSdTrain = grad(ALL_TERMS.filter((t) => t !== 'sd_train'));
    for (const part of ['sd_leader', 'sd_peer2', 'sd_peer3']) {
      expect(
        byPart.get(part)!.reduce((acc, v) => acc + gradNorm(withoutSdTrain[v.name]), 0),
        part,
      ).toBe(0);
    }
  });
});

describe('ffsd memory and lifecycle', () => {
  it('reports each common student, the fusion head and the ensemble on a split; flat tensor count', () => {
    const { method, leader, batch } = tinyRun();
    const split: DataSplit = {
      size: 6,
      labels: new Int32Array(batch.y.dataSync()),
      batch: (idx: Int32Array) => ({ x: tf.gather(batch.x, Array.from(idx)), y: tf.gather(batch.y, Array.from(idx)) }),
    };
    let r: Record<string, number> = {};
    // the fusion head is reported once a fusion term has trained it
    expect(Object.keys(method.report({ split, batchSize: 4, student: leader, participants: [] }))).not.toContain(
      'fusion',
    );
    method.losses(step(leader.forward(batch, { training: true }), batch, ['fusion_ce']));
    expectFlatTensorCount(() => {
      r = method.report({ split, batchSize: 4, student: leader, participants: [] });
    }, 2);
    expect(Object.keys(r)).toEqual(['peer1', 'peer2', 'peers_mean', 'fusion', 'ensemble', 'oracle']);
    for (const v of Object.values(r)) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    for (const k of ['peer1', 'peer2', 'fusion', 'ensemble', 'oracle'])
      expect(Math.abs(r[k]! * 6 - Math.round(r[k]! * 6)), k).toBeLessThan(1e-9);
    expect(r['peers_mean']).toBeCloseTo((r['peer1']! + r['peer2']!) / 2, 12);
    expect(r['oracle']).toBeGreaterThanOrEqual(Math.max(r['peer1']!, r['peer2']!));
    // against a direct computation in inference mode
    const logits = method.commonStudents.map((p) => p.forward(batch, { training: false })['logits']!);
    const labels = Array.from(batch.y.dataSync());
    const hits = (z: tf.Tensor) => Array.from(tf.argMax(z, 1).dataSync()).map((k, i) => k === labels[i]);
    const accOf = (h: boolean[]) => h.filter(Boolean).length / h.length;
    expect(r['peer1']).toBeCloseTo(accOf(hits(logits[0]!)), 12);
    expect(r['ensemble']).toBeCloseTo(accOf(hits(tf.div(tf.add(logits[0]!, logits[1]!), 2))), 12);
    const h1 = hits(logits[0]!);
    const h2 = hits(logits[1]!);
    expect(r['oracle']).toBeCloseTo(accOf(h1.map((h, i) => h || h2[i]!)), 12);
    const concat = tf.concat(
      method.commonStudents.map((p) => p.forward(batch, { training: false })['stage2']!),
      3,
    ) as tf.Tensor4D;
    expect(r['fusion']).toBeCloseTo(accOf(hits(method.modules.fusion.apply(concat, false).logits)), 12);
  });

  it('saves and restores whether the fusion head has been trained (for resumed runs)', () => {
    const { method, leader, batch } = tinyRun();
    expect(method.getState().values).toEqual({ fusionTrained: false });
    method.losses(step(leader.forward(batch, { training: true }), batch, ['leader_kl']));
    expect(method.getState().values).toEqual({ fusionTrained: false });
    method.losses(step(leader.forward(batch, { training: true }), batch, ['fusion_kl']));
    const saved = method.getState();
    expect(saved.values).toEqual({ fusionTrained: true });
    const other = tinyRun().method;
    other.setState(saved);
    expect(other.getState().values).toEqual({ fusionTrained: true });
  });

  it('disposes every module it built', () => {
    const { method } = tinyRun();
    const before = tf.memory().numTensors;
    const owned = method.auxModules().reduce((n, a) => n + a.module.namedVariables().size, 0);
    method.dispose();
    expect(tf.memory().numTensors).toBe(before - owned);
    expect(method.auxModules()).toEqual([]);
  });
});
