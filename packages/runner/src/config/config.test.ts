import { ConfigError, UserError } from '@kd/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseRunConfig } from './load-config.js';
import { applySet } from './set-override.js';

const base = { student: { arch: 'cnn' } };
const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected an error');
};

describe('run config', () => {
  it('fills defaults', () => {
    const c = parseRunConfig(base);
    expect(c.data.dataset).toBe('mnist');
    expect(c.train.optimizer.type).toBe('sgd');
    expect(c.task.weight).toBe(1);
    expect(c.methods).toEqual([]);
  });

  it('rejects unknown keys with the path of the field', () => {
    const e = errorOf(() => parseRunConfig({ ...base, train: { epochz: 3 } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.path).toBe('train.epochz');
    expect(e.message).toContain("'train.epochz'");
  });

  it('rejects wrong types with the path', () => {
    expect(errorOf(() => parseRunConfig({ ...base, train: { optimizer: { lr: 'fast' } } })).path).toBe(
      'train.optimizer.lr',
    );
    expect(errorOf(() => parseRunConfig({ ...base, methods: [{ id: 'kd', weights: { soft: 'x' } }] })).path).toBe(
      'methods[0].weights.soft',
    );
    expect(errorOf(() => parseRunConfig({})).path).toBe('student');
  });

  it('--set overrides nested keys, list items, and parses values as YAML', () => {
    const raw = { ...base, methods: [{ id: 'kd', hparams: { T: 4 } }] };
    let r = applySet(raw, 'methods[0].hparams.T=2');
    r = applySet(r, 'train.optimizer.nesterov=true');
    r = applySet(r, 'train.schedule.milestones=[3, 5]');
    r = applySet(r, 'name=abc');
    const c = parseRunConfig(r);
    expect(c.methods[0]!.hparams).toEqual({ T: 2 });
    expect(c.train.optimizer.nesterov).toBe(true);
    expect(c.train.schedule.milestones).toEqual([3, 5]);
    expect(c.name).toBe('abc');
    expect(raw.methods[0]!.hparams.T).toBe(4); // the input is not mutated
  });

  it('--set goes through the same validation', () => {
    const e = errorOf(() => parseRunConfig(applySet(base, 'train.epochs=-1')));
    expect(e.path).toBe('train.epochs');
    expect(() => applySet(base, 'no-equals')).toThrow(UserError);
  });

  it('loads YAML and JSON files; a missing file is a UserError naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-cfg-'));
    writeFileSync(join(dir, 'a.yaml'), 'student:\n  arch: cnn\ntrain:\n  epochs: 2\n');
    writeFileSync(join(dir, 'b.json'), JSON.stringify(base));
    expect(loadConfigFile(join(dir, 'a.yaml'), ['train.epochs=3']).train.epochs).toBe(3);
    expect(loadConfigFile(join(dir, 'b.json')).student.arch).toBe('cnn');
    const missing = errorOf(() => loadConfigFile(join(dir, 'nope.yaml')));
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toContain('nope.yaml');
  });
});

describe('optimizer groups (train.groups.<group>)', () => {
  it('override only the fields they name; the rest follows the main optimizer and schedule', async () => {
    const { groupOptims } = await import('../stages/stage-settings.js');
    const config = parseRunConfig({
      student: { arch: 'cnn' },
      train: {
        optimizer: { type: 'sgd', lr: 0.1, weightDecay: 1e-4, nesterov: true },
        schedule: { type: 'cosine' },
        groups: {
          sd: { optimizer: { type: 'adam', lr: 0.001 } },
          fusion: { optimizer: { weightDecay: 1e-5 } },
          slow: { schedule: { type: 'constant' } },
        },
      },
    });
    const g = groupOptims(config.train);
    expect(g['sd']!.schedule.type).toBe('cosine');
    expect(g['sd']!.optimizer).toMatchObject({ type: 'adam', lr: 0.001, weightDecay: 1e-4 });
    expect(g['fusion']!.optimizer).toMatchObject({ type: 'sgd', lr: 0.1, nesterov: true, weightDecay: 1e-5 });
    expect(g['fusion']!.schedule).toEqual(g.main.schedule);
    expect(g['slow']!.schedule.type).toBe('constant');
    expect(g['slow']!.optimizer).toEqual(g.main.optimizer);
  });

  it('reject unknown fields with the field path', () => {
    expect(() =>
      parseRunConfig({ student: { arch: 'cnn' }, train: { groups: { sd: { optimizer: { lrr: 1 } } } } }),
    ).toThrow(/train\.groups\.sd\.optimizer\.lrr/);
  });
});

describe('config YAML is read with the 1.2 core schema only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kd-cfg-tags-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it.each([
    ['binary', '', 'name: !!binary aGVsbG8=\n'],
    ['js-regexp', '', 'name: !!js/regexp /x/\n'],
    ['js-function', '', "name: !!js/function 'function () {}'\n"],
    ['set', '', 'name: !!set {a, b}\n'],
    ['omap', '', 'name: !!omap [ {a: 1} ]\n'],
    ['timestamp', '', 'name: !!timestamp 2001-12-14\n'],
    ['local', '', 'name: !shell ls\n'],
    ['binary (under %YAML 1.1)', '%YAML 1.1\n---\n', 'name: !!binary aGVsbG8=\n'],
  ])('a config with a %s tag is a one-line UserError naming the file', (what, header, tagged) => {
    const path = write(`${what.replace(/\W+/g, '-')}.yaml`, `${header}student:\n  arch: cnn\n${tagged}`);
    const e = errorOf(() => loadConfigFile(path));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain(`cannot parse ${path}: Unresolved tag`);
    expect(e.message).not.toContain('\n');
  });

  it('a sweep/variant file (readMappingFile) refuses tags the same way', async () => {
    const { readMappingFile } = await import('../sweep/raw-config.js');
    const path = write('variant.yaml', 'train:\n  epochs: !!binary aGVsbG8=\n');
    const e = errorOf(() => readMappingFile(path, 'variant file'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain(`cannot parse ${path}: Unresolved tag`);
    expect(readMappingFile(write('plain.yaml', 'train:\n  epochs: 3\n'), 'variant file')).toEqual({
      train: { epochs: 3 },
    });
    // `<<` is a plain key, not a merge, even where a %YAML 1.1 directive would turn merging on
    const merge = '%YAML 1.1\n---\na: &x {q: 1}\nb:\n  <<: *x\n';
    expect(readMappingFile(write('merge.yaml', merge), 'variant file')).toEqual({ a: { q: 1 }, b: { '<<': { q: 1 } } });
  });

  it('core-schema YAML still reads as before: booleans, numbers, explicit core tags, dates as strings', () => {
    const path = write(
      'plain.yaml',
      'student:\n  arch: cnn\nname: 2001-12-14\ntrain:\n  epochs: !!int "3"\n  optimizer:\n    nesterov: true\n',
    );
    const c = loadConfigFile(path);
    expect(c.name).toBe('2001-12-14');
    expect(c.train.epochs).toBe(3);
    expect(c.train.optimizer.nesterov).toBe(true);
  });

  it('--set values with a tag are plain strings, never binary data, sets or maps', () => {
    for (const value of [
      '!!binary aGVsbG8=',
      '!!set {a, b}',
      '!!omap [ {a: 1} ]',
      '!!timestamp 2001-12-14',
      '!!js/regexp /x/',
    ]) {
      expect(applySet(base, `name=${value}`)['name']).toBe(value);
    }
    expect(applySet(base, 'train.epochs=!!int "4"')).toMatchObject({ train: { epochs: 4 } });
  });
});
