import type { EventSink } from '@kd/trainer';

/** Where a command sends training progress and human-readable status lines (stderr). */
export interface Reporter {
  readonly events: EventSink;
  log(line: string): void;
  close(): void;
}

export type ProgressMode = 'bars' | 'lines' | 'quiet';

/** Bars on a terminal, plain lines otherwise (CI, pipes, files), nothing with --quiet. */
export function progressMode(quiet: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY ? 'bars' : 'lines';
}

export const quietReporter: Reporter = { events: () => {}, log: () => {}, close: () => {} };
