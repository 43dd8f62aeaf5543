/** Setup and step contexts as the runner hands them to a method, for tests without a runner. */
import * as tf from '@tensorflow/tfjs';
import {
  MissingTapError,
  stepHelpers,
  type Batch,
  type DataInfo,
  type MethodSetupContext,
  type Participant,
  type Role,
  type StepContext,
  type TappedModel,
  type TapValues,
} from '@kd/core';

/**
 * A participant as the runner makes one: a teacher's model is frozen unless `trainable` (an adapted or
 * co-trained teacher), a student's is left as it is (trainable, or frozen in part).
 */
export function participant(
  name: string,
  role: Role,
  model: TappedModel,
  options: { trainable?: boolean } = {},
): Participant {
  const trainable = options.trainable ?? role === 'student';
  if (!trainable) model.setFrozen(true);
  else if (role === 'teacher') model.setFrozen(false);
  return { name, role, model };
}

export function setupContext<H>(
  method: string,
  hparams: H,
  teacher: Participant | undefined,
  student: Participant,
  seed = 7,
  /** How `buildLike` copies a participant's network (default: throws, as `architecture` does). */
  buildLike?: (participant: string, seed: number) => TappedModel,
  /** Further participants (found by `tap(role, name, model)`) and the data the method sees (default: tiny 8x8x1, 5 classes). */
  more: { participants?: readonly Participant[]; data?: DataInfo } = {},
): MethodSetupContext<H> {
  const participants = [...(teacher ? [teacher, student] : [student]), ...(more.participants ?? [])];
  return {
    hparams,
    data: more.data ?? { name: 'tiny', inputShape: [8, 8, 1], numClasses: 5, classNames: ['a', 'b', 'c', 'd', 'e'] },
    teacher,
    student,
    participants,
    seed,
    tap(role: Role, tap: string, model?: string) {
      const p = model ? participants.find((q) => q.name === model) : role === 'teacher' ? teacher : student;
      if (!p) throw new MissingTapError(method, model ?? role, tap, []);
      const specs = p.model.tapSpecs();
      const spec = specs[tap];
      if (!spec) throw new MissingTapError(method, p.name, tap, Object.keys(specs));
      return spec;
    },
    architecture(id: string) {
      throw new Error(`no architecture ${id} in tests`);
    },
    buildLike(participant: string, s: number) {
      if (!buildLike) throw new Error(`no copy of ${participant} in this test (pass buildLike to setupContext)`);
      return buildLike(participant, s);
    },
  };
}

/**
 * A step as the trainer hands it out, from given tap values. `step.forward` runs a model in training
 * mode unless it is frozen (as a stage that trains every unfrozen model); by name it finds `participants`.
 */
export function stepContext(
  student: TapValues,
  teacher: TapValues | undefined,
  active: Iterable<string>,
  batch: Batch = { x: tf.zeros([1, 1, 1, 1]) },
  participants: readonly Participant[] = [],
): StepContext {
  const outputs: Record<string, TapValues> = teacher ? { teacher, student } : { student };
  return {
    ...stepHelpers(outputs, participants, (m) => !m.isFrozen),
    batch,
    outputs,
    teacher,
    student,
    epoch: 1,
    step: 0,
    stepsPerEpoch: 1,
    totalEpochs: 1,
    active: new Set(active),
  };
}
