/** Where a command writes: results to `out` (stdout), messages to `err` (stderr). Swappable in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The command line as typed, for records (`kd sweep a.yaml --grid 'x=1,2'`). */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['kd', ...argv.map(quote)].join(' ');
}
