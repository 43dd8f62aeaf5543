import { InterruptedError, isEnvironmentError, StorageError, UserError } from '@kd/core';
import { RunBusyError } from '@kd/runner';
import { CommanderError } from '@commander-js/extra-typings';

/**
 * Exit codes: 0 ok, 1 unexpected failure, 2 usage, input or environment error, 75 the run folder is
 * in use by another kd process (try again later), 130 / 143 interrupted.
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUSY = 75;

/** Commander exits that are not errors (help or version shown on request). */
const BENIGN = new Set(['commander.helpDisplayed', 'commander.version', 'commander.executeSubCommandAsync']);

function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/**
 * Reports an error on stderr and returns the exit code: user and usage errors as one line
 * `kd: <message>` (exit 2, no stack), anything else with its stack (exit 1).
 */
export function reportError(error: unknown, write: (text: string) => void): number {
  if (error instanceof CommanderError) {
    if (BENIGN.has(error.code)) return EXIT_OK;
    // `kd` alone: commander has printed the help already.
    if (error.code === 'commander.help') return EXIT_USAGE;
    write(`kd: ${oneLine(error.message)}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof UserError) {
    write(`kd: ${oneLine(error.message)}\n`);
    return error instanceof RunBusyError ? EXIT_BUSY : EXIT_USAGE;
  }
  if (error instanceof InterruptedError) {
    write(`kd: ${error.message}${error.resumeHint ? `; ${error.resumeHint}` : ''}\n`);
    return error.exitCode;
  }
  // a disk or folder problem that no kd code named (it names the path when Node does)
  if (isEnvironmentError(error)) {
    write(
      `kd: ${new StorageError(error.code, error.path ?? `(${error.syscall ?? 'file operation'})`, 'access').message}\n`,
    );
    return EXIT_USAGE;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  write(`kd: unexpected error: ${e.message}\n${e.stack ?? ''}\n`);
  return EXIT_FAILURE;
}
