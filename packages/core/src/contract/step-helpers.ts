import type * as tf from '@tensorflow/tfjs';
import type { Batch } from './batch.js';
import type { StepContext, StepForwardOptions } from './method.js';
import type { TappedModel } from './model.js';
import type { Module } from './module.js';
import type { Participant } from './participant.js';
import type { TapValues } from './taps.js';

/**
 * `StepContext.tap` and `StepContext.forward` for one step, built by whoever runs the step (the
 * trainer; tests) from the step's outputs, the participants, and `trains`: whether the stage trains
 * a model (the trainer's answer: some of its parameters are in the stage's optimizer groups; outside a
 * trainer, "not frozen"). The one placement rule for every forward of a step: trained → training
 * mode, on the tape; otherwise inference mode, no gradient to its weights.
 */
export function stepHelpers(
  outputs: Readonly<Record<string, TapValues>>,
  participants: readonly Pick<Participant, 'name' | 'model'>[],
  trains: (model: Module) => boolean,
): Pick<StepContext, 'tap' | 'forward'> {
  return {
    tap(participant: string, name: string): tf.Tensor {
      const values = outputs[participant];
      if (!values) {
        throw new Error(
          `step.tap('${participant}', '${name}'): '${participant}' did not run this step (ran: ${Object.keys(outputs).join(', ') || 'none'}); request its taps in requiredTaps()`,
        );
      }
      const value = values[name];
      if (!value)
        throw new Error(
          `step.tap('${participant}', '${name}'): no tap '${name}' this step (has: ${Object.keys(values).join(', ')}); request it in requiredTaps()`,
        );
      return value;
    },
    forward(model: string | TappedModel, batch: Batch, options: StepForwardOptions = {}): TapValues {
      let m: TappedModel;
      if (typeof model === 'string') {
        const p = participants.find((q) => q.name === model);
        if (!p)
          throw new Error(
            `step.forward('${model}'): no participant '${model}' in this stage (${participants.map((q) => q.name).join(', ')})`,
          );
        m = p.model;
      } else m = model;
      return m.forward(batch, { training: trains(m), ...(options.taps ? { taps: new Set(options.taps) } : {}) });
    },
  };
}
