import { planSweep, runSweep, type GridAxis, type RunConfig, type Variant } from '@kd/runner';
import { stopOnSignals } from '../interrupts.js';
import type { Io } from '../io.js';
import { loadHost } from '../plugins.js';
import { createReporter } from '../progress/index.js';

export interface SweepFlags {
  readonly grid: readonly GridAxis[];
  readonly variant: readonly Variant[];
  readonly set: readonly string[];
  readonly seeds?: number;
  readonly seedStart?: number;
  readonly out?: string;
  readonly name?: string;
  readonly backend?: RunConfig['backend'];
  readonly quiet?: boolean;
  readonly stopAfterEpochs?: number;
}

/**
 * `kd sweep <config>`: expand variants × grid into cells and validate them all (nothing written
 * yet), then run cells × seeds in order, skipping finished runs, and print the results table.
 */
export async function sweepCommand(configPath: string, flags: SweepFlags, command: string, io: Io): Promise<void> {
  const plan = planSweep({
    configPath,
    grid: flags.grid,
    variants: flags.variant,
    sets: flags.set,
    seeds: flags.seeds,
    seedStart: flags.seedStart,
    out: flags.out,
    name: flags.name,
    backend: flags.backend,
  });
  const { host } = await loadHost();
  const reporter = createReporter(flags.quiet);
  const stop = stopOnSignals(io);
  try {
    const result = await runSweep(host, plan, {
      signal: stop.signal,
      events: reporter.events,
      log: reporter.log,
      command,
      onStart: (p, statuses) => {
        const done = statuses.filter((s) => s === 'finished').length;
        reporter.log(
          `sweep ${p.name}: ${p.cells.length} cell(s) × ${p.seeds.length} seed(s) = ${p.runs.length} run(s) in ${p.dir}${done ? `, ${done} finished earlier` : ''}`,
        );
        reporter.log(`cells: ${p.cells.map((c) => c.name).join(', ')}`);
      },
      stopAfterEpochs: flags.stopAfterEpochs,
      onRun: (run, i, total, status) => {
        const what =
          status === 'finished' ? 'finished earlier, skipped' : status === 'interrupted' ? 'resuming' : 'running';
        reporter.log(`[sweep ${i}/${total}] ${run.cell} seed ${run.seed}: ${what} (${run.runDir})`);
      },
    });
    reporter.close();
    io.out(`${result.table}\n\n`);
    io.out(
      `${result.summaries.length}/${plan.runs.length} runs finished (${result.skipped} skipped as done earlier)\n`,
    );
    io.out(`results: ${result.resultsPath}, ${result.csvPath}\n`);
  } finally {
    stop.dispose();
    reporter.close();
  }
}
