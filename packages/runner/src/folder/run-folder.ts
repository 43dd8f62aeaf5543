import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of one run folder. */
export class RunFolder {
  constructor(readonly dir: string) {}

  static stamp(date = new Date()): string {
    return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
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

  create(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  exists(): boolean {
    return existsSync(this.configPath);
  }

  writeJson(name: string, value: unknown): void {
    writeFileSync(join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }

  readJson<T>(name: string): T {
    return JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as T;
  }

  appendMetric(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }
}
