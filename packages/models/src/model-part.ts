import { ConfigError, z, type ModelBuildInput, type TappedModel } from '@kd/core';
// the parts are any architecture of the run (or of this package); read when a part is built, so the cycle is harmless
import { architectures as ownArchitectures } from './architectures/index.js';

/** A part of a composite model in its options: a registered architecture and its options (e.g. `options.encoder: {arch, options}`). */
export const modelPartSchema = z
  .object({ arch: z.string().min(1), options: z.record(z.string(), z.unknown()).default({}) })
  .strict();

export type ModelPart = z.output<typeof modelPartSchema>;

/**
 * Builds the part `part` of a composite model from the run's registered architectures
 * (`input.architectures`, else this package's), with the composite's data, numClasses and base folder
 * and the given input shape and seed. Errors name the part's path: an unknown architecture is a
 * ConfigError at `<path>.arch`, an option error inside it at `<path>.options.<field>`.
 */
export function buildModelPart(
  input: ModelBuildInput,
  path: string,
  part: ModelPart,
  overrides: { readonly inputShape?: readonly number[]; readonly seed?: number } = {},
): TappedModel {
  const known = input.architectures ?? ownArchitectures;
  const arch = known.find((a) => a.id === part.arch);
  if (!arch)
    throw new ConfigError(
      `${path}.arch`,
      `unknown architecture '${part.arch}' (installed: ${known.map((a) => a.id).join(', ')})`,
    );
  try {
    return arch.build({
      ...input,
      inputShape: overrides.inputShape ?? input.inputShape,
      seed: overrides.seed ?? input.seed,
      options: part.options,
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${path}.${e.path}`, e.message.replace(/^config [^:]*: /, ''));
    throw e;
  }
}
