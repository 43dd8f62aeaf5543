import { describe, expect, it } from 'vitest';
import { reportError } from './errors.js';
import { formatDuration, lineReporter, progressMode } from './progress/index.js';
import { ConfigError, InterruptedError, UserError } from '@kd/core';
import { CommanderError } from '@commander-js/extra-typings';

describe('line progress (not a TTY)', () => {
  it('prints stage starts, one line per epoch and a line every 30 s within an epoch', () => {
    let t = 0;
    const lines: string[] = [];
    const r = lineReporter({ write: (s) => lines.push(s.trimEnd()), now: () => t });
    r.events({
      type: 'stage-start',
      stage: 'distill',
      epochs: 2,
      startEpoch: 1,
      select: { metric: 'accuracy', unit: 'fraction' },
    });
    for (let step = 1; step <= 100; step++) {
      t += 1000; // 1 s per step
      r.events({ type: 'step', stage: 'distill', epoch: 1, step, stepsPerEpoch: 100, loss: 0.5, lr: 0.1 });
    }
    r.events({
      type: 'epoch',
      record: {
        stage: 'distill',
        epoch: 1,
        lr: 0.1,
        train: { loss: 0.5, 'task.ce': 0.3, 'kd.soft': 0.2 },
        val: { accuracy: 0.9812, loss: 0.1 },
        seconds: 100,
      },
    });
    r.events({ type: 'stage-skip', stage: 'teacher-train', epochs: 3 });
    expect(lines[0]).toBe('[distill] 2 epochs');
    const within = lines.filter((l) => l.includes(' step '));
    expect(within).toHaveLength(3); // at 30, 60, 90 s
    expect(within[0]).toBe('[distill] epoch 1/2 step 30/100  loss 0.5000  lr 0.1  ETA 2m50s');
    expect(lines).toContain(
      '[distill] epoch 1/2  loss 0.5000 (task.ce 0.3000, kd.soft 0.2000)  val accuracy 98.12%  lr 0.1  100.0s',
    );
    expect(lines.at(-1)).toBe('[teacher-train] finished earlier, skipped');
  });

  it('chooses bars on a TTY, lines otherwise, nothing when quiet', () => {
    expect(progressMode(false, { isTTY: true })).toBe('bars');
    expect(progressMode(false, { isTTY: false })).toBe('lines');
    expect(progressMode(true, { isTTY: true })).toBe('quiet');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});

describe('error reporting', () => {
  it('user and usage errors: one line, exit 2; others: stack, exit 1', () => {
    const out: string[] = [];
    expect(reportError(new ConfigError('train.epochz', 'unknown key'), (s) => out.push(s))).toBe(2);
    expect(out.pop()).toBe("kd: config field 'train.epochz': unknown key\n");
    expect(reportError(new UserError('config file not found: x.yaml'), (s) => out.push(s))).toBe(2);
    expect(out.pop()).toBe('kd: config file not found: x.yaml\n');
    expect(
      reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), (s) => out.push(s)),
    ).toBe(2);
    expect(out.pop()).toBe("kd: unknown option '--x'\n");
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), (s) => out.push(s))).toBe(0);
    expect(reportError(new TypeError('boom'), (s) => out.push(s))).toBe(1);
    expect(out.pop()).toMatch(/^kd: unexpected error: boom\nTypeError: boom\n\s+at /);
  });

  it('problems of the machine that no kd code named: one line with the path, exit 2; an interrupt: how to resume, 130 / 143', () => {
    const out: string[] = [];
    const errno = (code: string, syscall: string, path?: string) =>
      Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...(path ? { path } : {}) });
    expect(reportError(errno('EACCES', 'mkdir', '/data/runs'), (s) => out.push(s))).toBe(2);
    expect(out.pop()).toBe('kd: cannot access /data/runs: permission denied (EACCES)\n');
    expect(reportError(errno('ENOSPC', 'write'), (s) => out.push(s))).toBe(2);
    expect(out.pop()).toBe('kd: cannot access (write): no space left on the device (ENOSPC)\n');
    expect(reportError(errno('ENOENT', 'open', '/x'), (s) => out.push(s))).toBe(1); // a missing file kd did not name is a bug
    const stopped = new InterruptedError('SIGTERM');
    stopped.resumeHint = 'the run folder is resumable: kd resume runs/x';
    expect(reportError(stopped, (s) => out.push(s))).toBe(143);
    expect(out.at(-1)).toBe('kd: interrupted (SIGTERM); the run folder is resumable: kd resume runs/x\n');
    expect(reportError(new InterruptedError('SIGINT'), (s) => out.push(s))).toBe(130);
  });
});
