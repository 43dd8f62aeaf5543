import type * as tf from '@tensorflow/tfjs';
import { UserError, type ModelArchitecture, type ModelBuildInput } from '@kd/core';
import { LayersTappedModel, type LayerTaps } from './layers-tapped-model.js';
import { parseOptions, type OptionSchemas, type ParsedOptions } from './options.js';
import { withSeededMathRandom } from './seeded-math-random.js';

/** A kd architecture made from a function that builds a TensorFlow.js LayersModel. */
export interface LayersArchitectureSpec<S extends OptionSchemas = OptionSchemas> {
  /** The id configs use (`student.arch`, `teacher.arch`); must not clash with another plugin's. */
  readonly id: string;
  /** One line for `kd list`: what the model is, and its options. */
  readonly description: string;
  /** The options it accepts, one zod schema each (`student.options.<name>`); any other option is a config error. */
  readonly options?: S;
  /**
   * Builds a new model for the data: input shape `input.inputShape` (without the batch dimension),
   * `input.numClasses` outputs (logits, no softmax). Runs with `Math.random` seeded from `input.seed`,
   * so unseeded initializers give the same weights for the same seed.
   */
  build(input: ModelBuildInput, options: ParsedOptions<S>): tf.LayersModel;
  /** Which layers become taps (default: every layer, each named as its layer); see `LayersTappedModel`. */
  readonly taps?: LayerTaps;
  /** The layer whose output is `logits` (default: the model's output). */
  readonly logits?: string;
}

const shown = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? '?').join(', ')}]`;

/**
 * A `ModelArchitecture` from a LayersModel builder: `registerArchitecture(container,
 * layersArchitecture({ id, description, build }))` makes the model usable as a student or a teacher.
 * Each build is a new `LayersTappedModel` (a model's own weights, trained in place, saved and loaded
 * by kd as `<layer>.<weight>`). The model's input must fit the data's samples and its logits the
 * data's classes (one-line errors otherwise).
 */
export function layersArchitecture<S extends OptionSchemas>(spec: LayersArchitectureSpec<S>): ModelArchitecture {
  return {
    id: spec.id,
    description: spec.description,
    build(input: ModelBuildInput) {
      const options = parseOptions(spec.id, input.options, spec.options ?? ({} as S));
      const model = withSeededMathRandom(input.seed, () => spec.build(input, options));
      const takes = model.inputs?.[0]?.shape.slice(1);
      if (
        takes &&
        (takes.length !== input.inputShape.length || takes.some((d, i) => d !== null && d !== input.inputShape[i]))
      )
        throw new UserError(
          `architecture '${spec.id}': the model takes inputs of shape ${shown(takes)} but the data's are ${shown(input.inputShape)}`,
        );
      const tapped = new LayersTappedModel(model, {
        arch: spec.id,
        ...(spec.taps ? { taps: spec.taps } : {}),
        ...(spec.logits ? { logits: spec.logits } : {}),
      });
      const logits = tapped.tapSpecs()['logits']!.shape;
      if (logits.length !== 1 || logits[0] !== input.numClasses) {
        tapped.dispose();
        throw new UserError(
          `architecture '${spec.id}': the model's logits have shape ${shown(logits)} but the data has ${input.numClasses} classes`,
        );
      }
      return tapped;
    },
  };
}
