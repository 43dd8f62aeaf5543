import * as tf from '@tensorflow/tfjs';
import { crossEntropy, InterruptedError, LearnedTemperature } from '@kd/core';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ToyNet, toyStage, toyWeights } from '../test/toy.js';
import { setReplaceFaultHook, type ReplacePoint } from './checkpoint/atomic-dir.js';
import { NonFiniteLossError, trainStage, type StageResult } from './train-stage.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => setReplaceFaultHook(undefined));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kd-crash-'));
  dirs.push(d);
  return d;
};

class Killed extends Error {}

let reference: { weights: number[]; result: StageResult } | undefined;
async function uninterrupted() {
  if (!reference) {
    const m = new ToyNet(11);
    reference = { result: await trainStage(toyStage(m, { checkpointDir: tmp() })), weights: toyWeights(m) };
  }
  return reference;
}

/** Resumes in a "new process" (a fresh model object) and checks the uninterrupted outcome. */
async function expectResumesExactly(dir: string): Promise<void> {
  const ref = await uninterrupted();
  const fresh = new ToyNet(999);
  const r = await trainStage(toyStage(fresh, { checkpointDir: dir }));
  expect(r.completed).toBe(true);
  expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
  expect(toyWeights(fresh)).toEqual(ref.weights);
  expect(r.test).toEqual(ref.result.test);
  expect(r.epochs.map((e) => e.train)).toEqual(ref.result.epochs.map((e) => e.train));
  expect(readdirSync(dir).sort()).toEqual(['best', 'last']); // no .tmp / .old left behind
}

const POINTS: ReplacePoint[] = ['tmp-written', 'tmp-complete', 'old-moved', 'new-in-place', 'removing-old'];

describe('a process killed while a checkpoint is replaced resumes exactly', () => {
  for (const which of ['last', 'best'] as const) {
    for (const point of POINTS) {
      it(`kill at '${point}' while replacing ${which}/ of epoch 2`, async () => {
        const dir = tmp();
        let saves = 0;
        setReplaceFaultHook((p, d) => {
          if (!d.endsWith(`/${which}`)) return;
          if (p === 'tmp-written') saves += 1;
          if (saves !== 2 || p !== point) return;
          // what a kill leaves: a partly written new copy, or a partly deleted old one
          if (p === 'tmp-written') rmSync(join(`${d}.tmp`, 'variables.bin'), { force: true });
          if (p === 'removing-old')
            for (const f of ['state.json', 'method.bin', 'variables.bin']) rmSync(join(`${d}.old`, f), { force: true });
          throw new Killed(`killed at ${p}`);
        });
        await expect(trainStage(toyStage(new ToyNet(11), { checkpointDir: dir }))).rejects.toBeInstanceOf(Killed);
        setReplaceFaultHook(undefined);
        if (which === 'last' && point === 'old-moved') expect(existsSync(join(dir, 'last'))).toBe(false);
        await expectResumesExactly(dir);
      });
    }
  }

  it("the issue's states: a half-deleted last/ beside a complete last.tmp/, and no last/ at all", async () => {
    // a run stopped after epoch 2, then a crash while epoch 3's checkpoint replaced last/
    const base = tmp();
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: base, stopAfterEpochs: 3 }));
    const epoch3 = join(tmp(), 'last-epoch3');
    cpSync(join(base, 'last'), epoch3, { recursive: true });
    // epoch 3's best/ is saved before its last/, so the crash finds it in place already
    const withBest3 = (d: string) => {
      rmSync(join(d, 'best'), { recursive: true });
      cpSync(join(base, 'best'), join(d, 'best'), { recursive: true });
    };
    const stopped = tmp();
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: stopped, stopAfterEpochs: 2 }));

    const halfDeleted = tmp();
    cpSync(stopped, halfDeleted, { recursive: true });
    cpSync(epoch3, join(halfDeleted, 'last.tmp'), { recursive: true });
    for (const f of ['.complete', 'method.bin', 'optimizer.json']) rmSync(join(halfDeleted, 'last', f));
    withBest3(halfDeleted);
    await expectResumesExactly(halfDeleted);

    const noLast = tmp();
    cpSync(stopped, noLast, { recursive: true });
    rmSync(join(noLast, 'last'), { recursive: true });
    cpSync(epoch3, join(noLast, 'last.tmp'), { recursive: true });
    withBest3(noLast);
    const fresh = new ToyNet(5);
    const events: string[] = [];
    await trainStage(
      toyStage(fresh, {
        checkpointDir: noLast,
        events: (e) => e.type === 'stage-start' && events.push(`start@${e.startEpoch}`),
      }),
    );
    expect(events).toEqual(['start@4']); // not a silent restart at epoch 1
    expect(toyWeights(fresh)).toEqual((await uninterrupted()).weights);
  });
});

describe('best/ and last/ always agree; checkpoints of older kd versions still resume', () => {
  it('a staged best/ whose epoch last/ does not name (an abandoned epoch) is dropped, never promoted', async () => {
    const dir = tmp();
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: dir }));
    const bestBytes = readFileSync(join(dir, 'best', 'variables.bin'));
    const fake = (into: string) => {
      cpSync(join(dir, 'best'), into, { recursive: true });
      writeFileSync(join(into, 'variables.bin'), Buffer.alloc(bestBytes.length)); // other weights
      writeFileSync(join(into, 'epoch.json'), JSON.stringify({ epoch: 99 }));
    };
    fake(join(dir, 'best.tmp'));
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: dir })); // finished: only settles its folders
    expect(readFileSync(join(dir, 'best', 'variables.bin'))).toEqual(bestBytes);
    expect(existsSync(join(dir, 'best.tmp'))).toBe(false);
    // with no best/ at all, the abandoned one is not promoted either
    fake(join(dir, 'best.tmp'));
    rmSync(join(dir, 'best'), { recursive: true });
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: dir }));
    expect(readdirSync(dir).sort()).toEqual(['last']);
  });

  it('a crash of the first kd checkpoints (last/ deleted, an unmarked complete last.tmp/ left) resumes from last.tmp/', async () => {
    const dir = tmp();
    await trainStage(toyStage(new ToyNet(11), { checkpointDir: dir, stopAfterEpochs: 2 }));
    renameSync(join(dir, 'last'), join(dir, 'last.tmp'));
    rmSync(join(dir, 'last.tmp', '.complete'));
    const starts: number[] = [];
    const fresh = new ToyNet(5);
    await trainStage(
      toyStage(fresh, { checkpointDir: dir, events: (e) => e.type === 'stage-start' && starts.push(e.startEpoch!) }),
    );
    expect(starts).toEqual([3]);
    expect(toyWeights(fresh)).toEqual((await uninterrupted()).weights);
  });
});

describe('stopping cleanly', () => {
  it('an aborted signal stops before the next step; the folder resumes exactly', async () => {
    const dir = tmp();
    const controller = new AbortController();
    const run = trainStage(
      toyStage(new ToyNet(11), {
        checkpointDir: dir,
        signal: controller.signal,
        events: (e) => {
          if (e.type === 'step' && e.epoch === 3 && e.step === 2) controller.abort(new InterruptedError('SIGTERM'));
        },
      }),
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(143);
    await expectResumesExactly(dir);
  });

  it('a NaN loss is one line: stage, epoch, step, the bad term, and what to try', async () => {
    const error = await trainStage(
      toyStage(new ToyNet(3), {
        objective: (step) => {
          const ce = crossEntropy(step.student.logits!, step.batch.y!);
          const soft = step.epoch === 2 && step.step === 7 ? tf.scalar(NaN) : tf.scalar(0.5);
          return { total: tf.add(ce, soft) as tf.Scalar, parts: { 'task.ce': ce, 'kd.soft': soft as tf.Scalar } };
        },
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      /^stage train: the loss became NaN at epoch 2, step 2 \(non-finite: kd\.soft = NaN\); try a lower learning rate \(train\.optimizer\.lr, [\d.e-]+ at that step\)/,
    );
    expect(message).toContain('train.clipGradNorm');
  });
});

describe('parameter constraints', () => {
  it('are applied after every optimizer step (a learned temperature stays within CLIP’s clamp)', async () => {
    const model = new ToyNet(4);
    const scale = new LearnedTemperature(0.0125);
    const seen: number[] = [];
    await trainStage(
      toyStage(model, {
        epochs: 1,
        trainable: [
          { group: 'main', variables: model.namedParameters('student/') },
          { group: 'main', variables: scale.namedParameters('scale/') },
        ],
        objective: (step) => {
          const ce = crossEntropy(step.student.logits!, step.batch.y!);
          const pushUp = tf.neg(tf.div(1, scale.temperature())) as tf.Scalar; // rewards a larger scale
          return { total: tf.add(ce, pushUp) as tf.Scalar, parts: { 'task.ce': ce } };
        },
        events: (e) => e.type === 'step' && seen.push(scale.logScale.dataSync()[0]!),
      }),
    );
    expect(Math.max(...seen)).toBeCloseTo(Math.log(100), 6);
    expect(seen.every((s) => s <= Math.log(100) + 1e-6)).toBe(true);
    scale.dispose();
  });
});
