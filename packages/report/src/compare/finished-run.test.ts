import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorMessage as message } from '../test-utils.js';
import { readFinishedRun } from './finished-run.js';

const root = mkdtempSync(join(tmpdir(), 'kd-report-finished-'));

function folder(name: string, files: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files))
    writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

/** A summary of kd before tasks: accuracies as plain numbers (read as a classification task's metrics). */
const legacy = {
  name: 'old',
  runDir: 'x',
  seed: 3,
  completed: true,
  seconds: 5,
  stages: [],
  teachers: [{ name: 'teacher', arch: 'resnet8', params: 1, source: 'cache', path: 'p', test: 0.97 }],
  student: { arch: 'cnn', params: 1, test: { last: 0.9, best: 0.91 }, val: { best: 0.92, bestEpoch: 2, last: 0.9 } },
};

describe('readFinishedRun', () => {
  it('reads config.json and summary.json, an old summary as this version writes it', () => {
    const dir = folder('old', { 'config.json': { seed: 3 }, 'summary.json': legacy });
    const run = readFinishedRun(dir);
    expect(run.config).toEqual({ seed: 3 });
    expect(run.summary.student.test.last).toEqual({ accuracy: 0.9 });
    expect(run.summary.teachers[0]!.metrics).toEqual({ accuracy: 0.97 });
  });

  it('says in one line why a folder is not a finished run', () => {
    expect(message(() => readFinishedRun(join(root, 'nope')))).toBe(`${join(root, 'nope')}: no such run folder`);
    const empty = folder('empty', {});
    expect(message(() => readFinishedRun(empty))).toBe(`${empty} is not a run folder (no config.json)`);
    const sweep = folder('sweep', { 'results.csv': 'cell\n' });
    expect(message(() => readFinishedRun(sweep))).toMatch(
      /is a sweep folder, not a run folder: compare its cells \(e\.g\. .*<cell>\) or runs \(.*seed-1\)$/,
    );
    const running = folder('running', { 'config.json': {} });
    expect(message(() => readFinishedRun(running))).toBe(
      `${running} has not finished (no summary.json); continue it with kd resume ${running}`,
    );
    const stopped = folder('stopped', { 'config.json': {}, 'summary.json': { ...legacy, completed: false } });
    expect(message(() => readFinishedRun(stopped))).toBe(
      `${stopped} has not finished; continue it with kd resume ${stopped}`,
    );
    const garbage = folder('garbage', { 'config.json': {}, 'summary.json': { completed: true } });
    expect(message(() => readFinishedRun(garbage))).toBe(`${join(garbage, 'summary.json')} is not a kd run summary`);
    const broken = folder('broken', { 'config.json': {}, 'summary.json': '{' });
    expect(message(() => readFinishedRun(broken))).toMatch(/summary\.json is not valid JSON$/);
  });
});
