import { barReporter } from './bar-reporter.js';
import { lineReporter } from './line-reporter.js';
import { progressMode, quietReporter, type Reporter } from './reporter.js';

export * from './reporter.js';
export * from './format.js';
export { barReporter } from './bar-reporter.js';
export { lineReporter } from './line-reporter.js';

/** The reporter for this process: bars on a TTY, lines otherwise, none with --quiet. */
export function createReporter(quiet: boolean | undefined): Reporter {
  const mode = progressMode(quiet);
  return mode === 'quiet' ? quietReporter : mode === 'bars' ? barReporter() : lineReporter();
}
