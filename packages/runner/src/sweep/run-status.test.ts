import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import type { SweepRun } from './plan.js';
import { runStatus } from './run-sweep.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-sweep-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = parseRunConfig({ student: { arch: 'cnn' }, seed: 2, methods: [{ id: 'kd' }] });

function run(name: string, files: Record<string, unknown> = {}): SweepRun {
  const runDir = join(dir, name, 'seed-2');
  if (Object.keys(files).length) {
    mkdirSync(runDir, { recursive: true });
    for (const [f, v] of Object.entries(files)) writeFileSync(join(runDir, f), JSON.stringify(v));
  }
  return { cell: name, seed: 2, runDir, config };
}

describe('runStatus (skip finished, resume interrupted)', () => {
  it('new without a run folder', () => {
    expect(runStatus(run('none'))).toBe('new');
  });

  it('interrupted with config.json but no completed summary', () => {
    expect(runStatus(run('started', { 'config.json': config }))).toBe('interrupted');
    expect(runStatus(run('incomplete', { 'config.json': config, 'summary.json': { completed: false } }))).toBe(
      'interrupted',
    );
  });

  it('finished with a completed summary.json, even on another backend or out dir', () => {
    expect(runStatus(run('done', { 'config.json': config, 'summary.json': { completed: true } }))).toBe('finished');
    const moved = { ...config, backend: 'cpu', outDir: 'elsewhere' };
    expect(runStatus(run('moved', { 'config.json': moved, 'summary.json': { completed: true } }))).toBe('finished');
  });

  it('refuses a folder that holds a run of another config', () => {
    const other = { ...config, train: { ...config.train, epochs: 99 } };
    expect(() => runStatus(run('other', { 'config.json': other, 'summary.json': { completed: true } }))).toThrow(
      /holds a run of a different config/,
    );
  });
});
