import { describe, expect, it } from 'vitest';
import { cellName, filesystemSafe, formatValue, MAX_CELL_NAME } from './cell-name.js';

describe('cell names', () => {
  it('names cells by variant and key=value, stable and readable', () => {
    expect(cellName(undefined, [{ key: 'methods[0].weights.soft', value: 0 }])).toBe('methods[0].weights.soft=0');
    expect(cellName('kd', [])).toBe('kd');
    expect(cellName(undefined, [])).toBe('base');
    expect(
      cellName('fitnet', [
        { key: 'methods[0].hparams.hintEpochs', value: 2 },
        { key: 'train.optimizer.lr', value: 0.1 },
      ]),
    ).toBe('fitnet+methods[0].hparams.hintEpochs=2+train.optimizer.lr=0.1');
    expect(cellName(undefined, [{ key: 'student.options.width', value: [8, 16] }])).toBe(
      'student.options.width=[8,16]',
    );
  });

  it('formats values compactly', () => {
    expect(formatValue('cosine')).toBe('cosine');
    expect(formatValue(true)).toBe('true');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });

  it('keeps names filesystem-safe and distinct', () => {
    expect(filesystemSafe('a/b c:"d"')).toBe('a_b_c__d_');
    expect(filesystemSafe('..x')).toBe('_x');
    const a = cellName(undefined, [{ key: 'teacher.checkpoint', value: 'runs/a' }]);
    const b = cellName(undefined, [{ key: 'teacher.checkpoint', value: 'runs_a' }]);
    expect(a).toMatch(/^teacher\.checkpoint=runs_a-[0-9a-f]{8}$/);
    expect(b).toBe('teacher.checkpoint=runs_a');
    expect(a).not.toBe(b);
    expect(cellName(undefined, [{ key: 'teacher.checkpoint', value: 'runs/a' }])).toBe(a);
    const long = cellName('v', [{ key: 'x', value: 'y'.repeat(300) }]);
    expect(long.length).toBeLessThanOrEqual(MAX_CELL_NAME);
    expect(long).toMatch(/-[0-9a-f]{8}$/);
  });
});
