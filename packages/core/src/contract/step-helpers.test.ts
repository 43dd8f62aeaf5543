import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/linear.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Batch } from './batch.js';
import { TappedModel, type ForwardOptions } from './model.js';
import { stepHelpers } from './step-helpers.js';
import type { TapSpecs, TapValues } from './taps.js';

/** Records the options of every forward. */
class Spy extends TappedModel {
  readonly arch = 'spy';
  readonly calls: ForwardOptions[] = [];
  constructor() {
    super();
    this.addChild('fc', new Linear(2, 2, new Rng(1)));
  }
  tapSpecs(): TapSpecs {
    return { logits: { shape: [2], kind: 'logits' } };
  }
  forward(batch: Batch, options: ForwardOptions): TapValues {
    this.calls.push(options);
    return { logits: tf.clone(batch.x) };
  }
}

const batch = (): Batch => ({ x: tf.zeros([1, 2]) });

describe('StepContext.tap and StepContext.forward', () => {
  it('tap returns the value; a missing tap or participant is an Error (a bug), not a UserError, naming both', () => {
    const logits = tf.ones([1, 2]);
    const { tap } = stepHelpers({ student: { logits } }, [], () => true);
    expect(tap('student', 'logits')).toBe(logits);
    for (const [who, name, pattern] of [
      ['student', 'feature', /step\.tap\('student', 'feature'\): no tap 'feature' this step \(has: logits\)/],
      ['teacher', 'logits', /step\.tap\('teacher', 'logits'\): 'teacher' did not run this step \(ran: student\)/],
    ] as const) {
      let error: unknown;
      try {
        tap(who, name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(pattern);
    }
    logits.dispose();
  });

  it('forward places a model as the stage trains it: trained → training mode, otherwise inference; by participant name or as a model', () => {
    const [trained, frozen, aux] = [new Spy(), new Spy(), new Spy()];
    frozen.setFrozen(true);
    const { forward } = stepHelpers(
      {},
      [
        { name: 'student', model: trained },
        { name: 'teacher', model: frozen },
      ],
      (m) => !m.isFrozen,
    );
    tf.dispose(
      [forward('student', batch()), forward('teacher', batch(), { taps: ['logits'] }), forward(aux, batch())].flatMap(
        (o) => Object.values(o),
      ),
    );
    expect(trained.calls).toEqual([{ training: true }]);
    expect(frozen.calls).toEqual([{ training: false, taps: new Set(['logits']) }]);
    expect(aux.calls).toEqual([{ training: true }]);
    expect(() => forward('peer', batch())).toThrow(
      /step\.forward\('peer'\): no participant 'peer' in this stage \(student, teacher\)/,
    );
    [trained, frozen, aux].forEach((m) => m.dispose());
  });
});
