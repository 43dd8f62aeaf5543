/**
 * A mistake in the user's input (config, file, method name, value). The CLI prints its message on
 * one line and exits with code 2, writing no run folder.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** A config value is invalid; `path` is the dotted field path (e.g. `methods[0].hparams.T`). */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`config ${path ? `field '${path}'` : 'root'}: ${detail}`);
  }
}

/** A method needs a tap that a model does not declare. */
export class MissingTapError extends UserError {
  override readonly name = 'MissingTapError';
  constructor(
    readonly method: string,
    readonly model: string,
    readonly tap: string,
    available: readonly string[],
  ) {
    super(`method '${method}' needs tap '${tap}' on model '${model}', which declares: ${available.join(', ')}`);
  }
}
