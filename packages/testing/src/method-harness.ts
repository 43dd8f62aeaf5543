/**
 * A method as the runner drives it, for the conformance checks: resolved from a fresh run container
 * of a host the package's `register` filled, set up on a small run (teachers frozen, as the runner
 * leaves them), and stepped like the trainer: frozen participants'
 * forwards outside the gradient tape, trainable ones inside, each with the taps the method reads.
 */
import * as tf from '@tensorflow/tfjs';
import {
  createHost,
  createRunContainer,
  isTrainable,
  resolveMethod,
  stepHelpers,
  type Batch,
  type DistillationMethod,
  type MethodDescriptor,
  type MethodSetupContext,
  type Participant,
  type PluginRegister,
  type StepContext,
  type TapValues,
} from '@kd/core';

/** One small run of a method: what it is set up with and the batch its steps read. */
export interface ConformanceRun {
  /** The setup context (e.g. `setupContext(id, descriptor.hparams.parse({...}), teacher, student)`). */
  readonly context: MethodSetupContext<any>;
  readonly batch: Batch;
  /** After `setup`, before any step (e.g. class counts the toy data does not carry). */
  prepare?(method: DistillationMethod<any>): void;
  /** A participant's taps this step (default: its model's forward with the taps the method reads). */
  forward?(participant: Participant, batch: Batch, training: boolean): TapValues;
  /** Clock of the steps (default epoch 1 of 1, one step per epoch); `step` counts up from it. */
  readonly clock?: Partial<Pick<StepContext, 'epoch' | 'step' | 'stepsPerEpoch' | 'totalEpochs'>>;
}

/** What `describeMethodConformance` needs from a method package. */
export interface MethodConformance {
  readonly descriptor: MethodDescriptor;
  /** The package's `register(container)`. */
  readonly register: PluginRegister;
  /** A fresh small run (new models); called once per check. */
  run(): ConformanceRun | Promise<ConformanceRun>;
}

export class MethodHarness {
  private constructor(
    readonly method: DistillationMethod<any>,
    readonly run: ConformanceRun,
    /** Participants whose taps the method (or one of its stages) reads (the student always), by name, with those taps. */
    readonly taps: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  static async start(c: MethodConformance): Promise<MethodHarness> {
    const { method } = resolveMethod(createRunContainer(createHost([c.register])), c.descriptor.id);
    const run = await c.run();
    const ctx = run.context;
    method.setup(ctx);
    run.prepare?.(method);
    const taps = new Map<string, Set<string>>([[ctx.student.name, new Set(['logits'])]]);
    for (const r of [...method.requiredTaps(), ...(method.stages?.() ?? []).flatMap((st) => st.taps)]) {
      const name = r.model ?? (r.role === 'teacher' ? ctx.teacher?.name : ctx.student.name);
      if (!name)
        throw new Error(
          `method '${c.descriptor.id}' reads the teacher's '${r.tap}' but the conformance run has no teacher`,
        );
      if (!taps.has(name)) taps.set(name, new Set(['logits']));
      taps.get(name)!.add(r.tap);
    }
    return new MethodHarness(method, run, taps);
  }

  /** The declared term names, in the descriptor's order. */
  static termNames(descriptor: MethodDescriptor): string[] {
    return descriptor.terms.map((t) => t.name);
  }

  private participants(trainable: boolean): Participant[] {
    return this.run.context.participants.filter((p) => isTrainable(p) === trainable && this.taps.has(p.name));
  }

  /** Non-trainable participants (frozen teachers), whether or not the method reads their taps. */
  get frozen(): Participant[] {
    return this.run.context.participants.filter((p) => !isTrainable(p));
  }

  /** Taps of the participants the trainer forwards outside the tape (frozen) or inside it (trainable). */
  outputs(trainable: boolean): Record<string, TapValues> {
    const out: Record<string, TapValues> = {};
    for (const p of this.participants(trainable)) {
      out[p.name] = this.run.forward
        ? this.run.forward(p, this.run.batch, trainable)
        : p.model.forward(this.run.batch, { training: trainable, taps: this.taps.get(p.name) });
    }
    return out;
  }

  step(outputs: Record<string, TapValues>, active: Iterable<string>, index = 0): StepContext {
    const ctx = this.run.context;
    const clock = this.run.clock ?? {};
    return {
      // a harness step trains every unfrozen model, as the distillation stage does
      ...stepHelpers(outputs, ctx.participants, (m) => !m.isFrozen),
      batch: this.run.batch,
      outputs,
      teacher: ctx.teacher ? outputs[ctx.teacher.name] : undefined,
      student: outputs[ctx.student.name]!,
      epoch: clock.epoch ?? 1,
      step: (clock.step ?? 0) + index,
      stepsPerEpoch: clock.stepsPerEpoch ?? 1,
      totalEpochs: clock.totalEpochs ?? 1,
      active: new Set(active),
    };
  }

  /** What the trainer optimises: trainable participants' and aux modules' trainable variables. */
  trainableVariables(): tf.Variable[] {
    const modules = [
      ...this.run.context.participants.filter(isTrainable).map((p) => p.model),
      ...this.method.auxModules().map((a) => a.module),
    ];
    return [...new Set(modules.flatMap((m) => m.trainableVariables()))];
  }

  /** Sum of the method's terms on `step` (every term of `step.active` must be returned). */
  total(step: StepContext): tf.Scalar {
    const out = this.method.losses(step);
    return tf.addN([...step.active].map((t) => out[t] ?? missing(t))) as tf.Scalar;
  }

  dispose(): void {
    this.method.dispose?.();
    for (const p of this.run.context.participants) p.model.dispose();
  }
}

function missing(term: string): never {
  throw new Error(`losses() returned no '${term}' although it was active`);
}
