import * as tf from '@tensorflow/tfjs';
import { crossEntropy, type Module } from '@kd/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ToyNet, toyAccuracy, toyStage, toyWeights } from '../test/toy.js';
import { OptimizerConfigSchema } from './optim/config.js';
import { ScheduleConfigSchema } from './schedule/lr-schedule.js';
import { trainStage } from './train-stage.js';
import type { TrainEvent } from './events.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kd-trainer-'));
  dirs.push(d);
  return d;
};

describe('trainStage', () => {
  it('learns, logs each term, records best and last test accuracy', async () => {
    const events: TrainEvent[] = [];
    const model = new ToyNet(3);
    const r = await trainStage(toyStage(model, { events: (e) => events.push(e) }));
    expect(r.completed).toBe(true);
    expect(r.epochs).toHaveLength(4);
    expect(r.epochs[0]!.train['task.ce']).toBeGreaterThan(r.epochs[3]!.train['task.ce']!);
    expect(r.test!.last.accuracy).toBeGreaterThan(0.6);
    expect(r.best!.epoch).toBeGreaterThanOrEqual(1);
    expect(r.test!.best).toBeDefined();
    expect(events.filter((e) => e.type === 'step')).toHaveLength(4 * 6);
  });

  it('resume after an interruption reaches exactly the uninterrupted result', async () => {
    const full = new ToyNet(11);
    const dirA = tmp();
    const a = await trainStage(toyStage(full, { checkpointDir: dirA }));

    const dirB = tmp();
    const first = new ToyNet(11);
    const partial = await trainStage(toyStage(first, { checkpointDir: dirB, stopAfterEpochs: 2 }));
    expect(partial.completed).toBe(false);
    expect(partial.epochs).toHaveLength(2);
    // a fresh process: new model object with a different init, state comes only from the checkpoint
    const second = new ToyNet(999);
    const b = await trainStage(toyStage(second, { checkpointDir: dirB }));
    expect(b.completed).toBe(true);
    expect(toyWeights(second)).toEqual(toyWeights(full));
    expect(b.test).toEqual(a.test);
    expect(b.epochs.map((e) => e.train)).toEqual(a.epochs.map((e) => e.train));
    // a completed stage is skipped on a further resume
    const again = await trainStage(toyStage(new ToyNet(5), { checkpointDir: dirB }));
    expect(again.test).toEqual(a.test);
  });

  it('keeps the tensor count flat over 100+ steps', async () => {
    const model = new ToyNet(4);
    const counts: number[] = [];
    await trainStage(
      toyStage(model, {
        epochs: 20,
        batchSize: 16, // 6 steps per epoch → 120 steps
        optim: {
          main: {
            optimizer: OptimizerConfigSchema.parse({ type: 'adamw', lr: 0.01 }),
            schedule: ScheduleConfigSchema.parse({ type: 'constant' }),
          },
        },
        events: (e) => {
          if (e.type === 'step') counts.push(tf.memory().numTensors);
        },
      }),
    );
    expect(counts.length).toBeGreaterThanOrEqual(100);
    // optimizer state is created on the first step; after that nothing may grow
    expect(new Set(counts.slice(2)).size).toBe(1);
  });

  it('a frozen participant gets no update; separate groups get separate optimizers', async () => {
    const teacher = new ToyNet(21);
    const student = new ToyNet(22);
    const before = toyWeights(teacher);
    const extra = new ToyNet(23);
    await trainStage(
      toyStage(student, {
        epochs: 1,
        participants: [
          { name: 'teacher', role: 'teacher', model: teacher.setFrozen(true) },
          { name: 'student', role: 'student', model: student },
          { name: 'peer', role: 'student', model: extra },
        ],
        taps: new Map([
          ['teacher', new Set(['logits'])],
          ['student', new Set(['logits'])],
          ['peer', new Set(['logits'])],
        ]),
        primary: { teacher: 'teacher', student: 'student' },
        trainable: [
          { group: 'main', variables: student.namedParameters('student/') },
          { group: 'peers', variables: extra.namedParameters('peer/') },
        ],
        stateVariables: new Map([...student.namedVariables('student/'), ...extra.namedVariables('peer/')]),
        objective: (step) => {
          const ce = crossEntropy(step.student.logits!, step.batch.y!);
          const peer = crossEntropy(step.outputs.peer!.logits!, step.batch.y!);
          const fromTeacher = tf.mean(tf.square(tf.sub(step.student.logits!, step.teacher!.logits!))) as tf.Scalar;
          return { total: tf.addN([ce, peer, fromTeacher]) as tf.Scalar, parts: { ce, peer } };
        },
      }),
    );
    expect(toyWeights(teacher)).toEqual(before);
  });

  it('a model the stage does not train runs in inference mode: neither its weights nor its BN statistics change', async () => {
    // as a method stage that trains only the student: the unfrozen teacher is a participant, not trained here
    const teacher = new ToyNet(31);
    const student = new ToyNet(32);
    const before = toyWeights(teacher);
    const modes: boolean[] = [];
    const spy = teacher.forward.bind(teacher);
    teacher.forward = (batch, options) => (modes.push(options.training), spy(batch, options));
    await trainStage(
      toyStage(student, {
        epochs: 1,
        participants: [
          { name: 'teacher', role: 'teacher', model: teacher },
          { name: 'student', role: 'student', model: student },
        ],
        taps: new Map([
          ['teacher', new Set(['logits'])],
          ['student', new Set(['logits'])],
        ]),
        primary: { teacher: 'teacher', student: 'student' },
        objective: (step) => {
          const fromTeacher = tf.mean(tf.square(tf.sub(step.student.logits!, step.teacher!.logits!))) as tf.Scalar;
          return { total: fromTeacher, parts: { fromTeacher } };
        },
      }),
    );
    expect(modes.length).toBeGreaterThan(0);
    expect(new Set(modes)).toEqual(new Set([false]));
    expect(toyWeights(teacher)).toEqual(before);
  });

  it('step.forward places models as the stage trains them; step.tap reads the step outputs', async () => {
    const student = new ToyNet(34);
    const untrained = new ToyNet(35); // a participant, unfrozen, but not trained by this stage
    const aux = new ToyNet(36); // a method's own model, trained by this stage
    const modes = new Map<ToyNet, boolean[]>([
      [untrained, []],
      [aux, []],
    ]);
    for (const [m, seen] of modes) {
      const forward = m.forward.bind(m);
      m.forward = (batch, options) => (seen.push(options.training), forward(batch, options));
    }
    await trainStage(
      toyStage(student, {
        epochs: 1,
        participants: [
          { name: 'student', role: 'student', model: student },
          { name: 'other', role: 'teacher', model: untrained },
        ],
        taps: new Map([
          ['student', new Set(['logits'])],
          ['other', new Set<string>()],
        ]),
        trainable: [
          { group: 'main', variables: student.namedParameters('student/') },
          { group: 'main', variables: aux.namedParameters('aux/') },
        ],
        objective: (step) => {
          const other = step.forward('other', step.batch, { taps: ['logits'] })['logits']!;
          const own = step.forward(aux, step.batch)['logits']!;
          const ce = crossEntropy(step.tap('student', 'logits'), step.batch.y!);
          const total = tf.addN([ce, tf.mean(tf.square(tf.sub(own, other)))]) as tf.Scalar;
          return { total, parts: { ce } };
        },
      }),
    );
    // the trainer's own forward of 'other' (outside the tape) and the method's: all in inference mode
    expect(new Set(modes.get(untrained))).toEqual(new Set([false]));
    expect(new Set(modes.get(aux))).toEqual(new Set([true]));
  });

  it('a frozen sub-tree of a trained model gets no update of its weights or BN statistics; the rest trains', async () => {
    const student = new ToyNet(33);
    const bn = student.bn.setFrozen(true);
    const fc1 = student.fc1.setFrozen(true);
    const values = (m: Module) => [...m.namedVariables().values()].flatMap((v) => Array.from(v.dataSync()));
    const frozenBefore = [...values(bn), ...values(fc1)];
    const headBefore = values(student.fc2);
    await trainStage(toyStage(student, { epochs: 1 }));
    expect([...values(bn), ...values(fc1)]).toEqual(frozenBefore);
    expect(values(student.fc2)).not.toEqual(headBefore);
  });
});

describe('the stage evaluation picks the best checkpoint by a named metric', () => {
  it('a lower-is-better metric (val loss) selects the epoch with the smallest value', async () => {
    const r = await trainStage(
      toyStage(new ToyNet(3), {
        checkpointDir: tmp(),
        evaluation: {
          participant: 'student',
          evaluate: toyAccuracy,
          select: { metric: 'loss', higherIsBetter: false },
        },
      }),
    );
    const losses = r.epochs.map((e) => e.val!['loss']!);
    expect(r.best).toEqual({ epoch: losses.indexOf(Math.min(...losses)) + 1, value: Math.min(...losses) });
    expect(Object.keys(r.test!.last)).toEqual(['accuracy', 'loss']);
  });

  it("reads an older kd's checkpoint state (best by val accuracy, test with count and groups) as metric records", async () => {
    const dir = tmp();
    await trainStage(toyStage(new ToyNet(3), { checkpointDir: dir }));
    const statePath = join(dir, 'last', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    state.best = { epoch: state.best.epoch, val: state.best.value };
    state.test = {
      last: { accuracy: 0.5, loss: 1, count: 48, groups: { Many: 0.75, Few: 0.25 } },
      best: { accuracy: 0.6, loss: 0.9, count: 48 },
    };
    writeFileSync(statePath, JSON.stringify(state));
    const again = await trainStage(toyStage(new ToyNet(3), { checkpointDir: dir }));
    expect(again.best!.value).toBe(state.best.val);
    expect(again.test).toEqual({
      last: { accuracy: 0.5, loss: 1, 'accuracy.many': 0.75, 'accuracy.few': 0.25 },
      best: { accuracy: 0.6, loss: 0.9 },
    });
  });
});
