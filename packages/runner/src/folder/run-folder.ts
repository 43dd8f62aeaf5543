import { ensureDir, StorageError, UserError, withStorageErrors } from '@kd/core';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appendLine, writeFileAtomic } from './atomic-write.js';

/** The files of one run folder. */
export class RunFolder {
  constructor(readonly dir: string) {}

  static stamp(date = new Date()): string {
    return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  }

  /**
   * Creates a new run folder `<parent>/<base>` exclusively: when a folder of that name exists (two
   * runs started in the same second), `<base>-2`, `<base>-3`, … — never a folder another run owns.
   */
  static createUnique(parent: string, base: string): RunFolder {
    for (let n = 1; ; n++) {
      const dir = join(parent, n === 1 ? base : `${base}-${n}`);
      if (RunFolder.createExclusive(dir)) return new RunFolder(dir);
    }
  }

  /** Creates `dir` (its parents as needed) exclusively; false when it exists already (someone else's). */
  static createExclusive(dir: string): boolean {
    ensureDir(dirname(dir));
    try {
      withStorageErrors(dir, () => mkdirSync(dir));
      return true;
    } catch (e) {
      if (e instanceof StorageError && e.code === 'EEXIST') return false;
      throw e;
    }
  }

  get configPath(): string {
    return join(this.dir, 'config.json');
  }
  get summaryPath(): string {
    return join(this.dir, 'summary.json');
  }
  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get studentDir(): string {
    return join(this.dir, 'student');
  }
  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }

  /** Does it hold a run (its config.json)? */
  exists(): boolean {
    return existsSync(this.configPath);
  }

  /** Removes the folder: only for one this process created and that holds no training yet. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }

  readJson<T>(name: string): T {
    const path = join(this.dir, name);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UserError(code ? `cannot read ${path} (${code})` : `${path} is not valid JSON`);
    }
  }

  appendMetric(record: Record<string, unknown>): void {
    appendLine(this.metricsPath, JSON.stringify(record));
  }

  /** The records of metrics.jsonl in order (a line cut short by a crash is skipped). */
  metrics(): Record<string, unknown>[] {
    if (!existsSync(this.metricsPath)) return [];
    return readFileSync(this.metricsPath, 'utf8')
      .split('\n')
      .flatMap((line) => {
        if (line.trim() === '') return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** The epochs of `stage` that metrics.jsonl records, in order (one each, see `dropEpochRecords`). */
  loggedEpochs(stage: string): number[] {
    return this.metrics()
      .filter((r) => r['type'] === 'epoch' && r['stage'] === stage)
      .map((r) => r['epoch'] as number);
  }

  /**
   * Drops the epoch and step records of `stage` from `fromEpoch` on: a stage that resumes from its
   * checkpoint at `fromEpoch` logs those epochs (and their steps) again (a crash may have come after
   * an epoch was logged but before its checkpoint was saved), so metrics.jsonl keeps exactly one
   * record per epoch and per step.
   */
  dropEpochRecords(stage: string, fromEpoch: number): void {
    const records = this.metrics();
    const kept = records.filter(
      (r) =>
        !(
          (r['type'] === 'epoch' || r['type'] === 'step') &&
          r['stage'] === stage &&
          (r['epoch'] as number) >= fromEpoch
        ),
    );
    if (kept.length !== records.length)
      writeFileAtomic(this.metricsPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
