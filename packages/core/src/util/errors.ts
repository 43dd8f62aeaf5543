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

/** A method (or a task) needs a tap that a model does not declare. */
export class MissingTapError extends UserError {
  override readonly name = 'MissingTapError';
  constructor(
    readonly method: string,
    readonly model: string,
    readonly tap: string,
    available: readonly string[],
    readonly needer: 'method' | 'task' = 'method',
  ) {
    super(`${needer} '${method}' needs tap '${tap}' on model '${model}', which declares: ${available.join(', ')}`);
  }
}

/** A method, task or model reads a batch key or facet the dataset does not offer (or offers in another dtype or shape). */
export class MissingDataError extends UserError {
  override readonly name = 'MissingDataError';
  constructor(
    readonly needer: string,
    readonly what: string,
    detail: string,
  ) {
    super(`${needer} needs ${what}, but ${detail}`);
  }
}

/**
 * The user stopped the work (Ctrl-C, `kill`): raised at the next safe point (between two training
 * steps), after which the run folder is left resumable. `resumeHint` (set by whoever knows: the run,
 * the sweep) says how to continue. The CLI prints one line and exits 128 + the signal number (130 for
 * SIGINT, 143 for SIGTERM).
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  resumeHint?: string;
  constructor(readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`interrupted (${signal})`);
  }

  get exitCode(): number {
    return this.signal === 'SIGTERM' ? 143 : 130;
  }
}
