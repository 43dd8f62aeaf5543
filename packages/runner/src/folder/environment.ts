import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpus, hostname, totalmem } from 'node:os';

/** What a run records about where it ran: versions, backend (and why others failed), git sha, machine. */
export function environmentRecord(backend: unknown): Record<string, unknown> {
  let gitSha: string | null = null;
  let gitDirty: boolean | null = null;
  try {
    gitSha = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    gitDirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() !== '';
  } catch {
    /* not a git checkout */
  }
  return {
    startedAt: new Date().toISOString(),
    node: process.version,
    tfjs: tf.version.tfjs,
    backend,
    gitSha,
    gitDirty,
    argv: process.argv.slice(2),
    machine: {
      hostname: hostname(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
      platform: process.platform,
      arch: process.arch,
    },
  };
}
