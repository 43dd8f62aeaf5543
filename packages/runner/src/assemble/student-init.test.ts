import { ConfigError } from '@kd/core';
import { cnn } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { freezeStudent } from './student-freeze.js';
import {
  checkDisjointSources,
  describeInitCoverage,
  describeStudentInit,
  initCoverage,
  initSources,
  mappedPath,
  planStudentInit,
  underPrefix,
  type StudentInitReport,
} from './student-init.js';

const shapes = (entries: Record<string, number[]>) => new Map(Object.entries(entries));
const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('student.init: saved variables matched to the student by path', () => {
  it('prefixes are whole path segments; the longest map prefix wins; no map keeps paths', () => {
    expect(underPrefix('conv1.weight', 'conv1')).toBe(true);
    expect(underPrefix('conv10.weight', 'conv1')).toBe(false);
    expect(underPrefix('anything', '')).toBe(true);
    expect(mappedPath('conv1.weight', undefined)).toBe('conv1.weight');
    expect(mappedPath('conv1.weight', { '': 'encoder' })).toBe('encoder.conv1.weight');
    expect(mappedPath('encoder.fc.bias', { encoder: '' })).toBe('fc.bias');
    expect(mappedPath('a.b.c', { a: 'x', 'a.b': 'y' })).toBe('y.c');
    expect(mappedPath('a.b', { 'a.b': 'z' })).toBe('z');
    expect(mappedPath('head.w', { encoder: 'encoder' })).toBeUndefined();
  });

  it('loads what has a place, and reports what it did not initialise and what it did not use', () => {
    const saved = shapes({
      'conv1.weight': [3, 3, 1, 2],
      'bn1.running_mean': [2],
      'fc.weight': [8, 10],
      'extra.w': [1],
    });
    const student = shapes({
      'encoder.conv1.weight': [3, 3, 1, 2],
      'encoder.bn1.running_mean': [2],
      'head.weight': [8, 4],
    });
    const plan = planStudentInit(
      saved,
      student,
      { map: { conv1: 'encoder.conv1', bn1: 'encoder.bn1', extra: 'encoder' } },
      '/saved',
    );
    expect(plan.pairs).toEqual([
      ['conv1.weight', 'encoder.conv1.weight'],
      ['bn1.running_mean', 'encoder.bn1.running_mean'],
    ]);
    expect(plan.notInitialised).toEqual(['head.weight']);
    expect(plan.unused).toEqual(['extra.w']);
    const report = {
      source: 'recipe r.yaml',
      field: 'student.init',
      dir: '/saved',
      loaded: 2,
      total: 3,
      paths: [],
      ...plan,
    };
    expect(describeStudentInit(report)).toBe(
      'student: 2 of 3 variables initialised from recipe r.yaml; not initialised: head.weight; saved but unused: extra.w',
    );
  });

  it('exclude leaves saved variables out before mapping: a pre-trained model into one with another head', () => {
    const saved = shapes({ 'vl.layer0.w': [4, 4], 'vl.cls.weight': [4, 10], 'vl.cls.bias': [10], 'vl.clsx.w': [2] });
    const student = shapes({ 'vl.layer0.w': [4, 4], 'vl.cls.weight': [4, 7], 'vl.cls.bias': [7], 'vl.clsx.w': [2] });
    // without it the head's shapes refuse the load
    expect(errorOf(() => planStudentInit(saved, student, {}, '/s')).message).toMatch(/vl\.cls\.weight \[4, 10\]/);
    const plan = planStudentInit(saved, student, { exclude: ['vl.cls'] }, '/s');
    // whole path segments: vl.clsx is not under vl.cls
    expect(plan.pairs).toEqual([
      ['vl.layer0.w', 'vl.layer0.w'],
      ['vl.clsx.w', 'vl.clsx.w'],
    ]);
    expect(plan.notInitialised).toEqual(['vl.cls.weight', 'vl.cls.bias']);
    expect(plan.unused).toEqual([]);
    // and strict still asks the rest of the model to be covered
    expect(errorOf(() => planStudentInit(saved, student, { exclude: ['vl.cls'], strict: true }, '/s')).path).toBe(
      'student.init.strict',
    );
  });

  it('refuses, in one line naming the field, a map that matches nothing, a shape mismatch, nothing to load, two sources for one variable, and (strict) gaps', () => {
    const saved = shapes({ 'conv1.weight': [3, 3, 1, 2], 'fc.weight': [8, 10] });
    const student = shapes({ 'conv1.weight': [3, 3, 1, 2], 'fc.weight': [8, 4] });
    const cases: [() => unknown, string, RegExp][] = [
      [
        () => planStudentInit(saved, student, { map: { backbone: 'conv1' } }, '/s'),
        'student.init.map',
        /'backbone' matches no variable of the saved model in \/s \(it has: conv1, fc\)/,
      ],
      [
        () => planStudentInit(saved, student, { map: { conv1: 'encoder' } }, '/s'),
        'student.init.map.conv1',
        /'encoder' names no part of the student \(it has: conv1, fc\)/,
      ],
      [
        () => planStudentInit(saved, student, {}, '/s'),
        'student.init',
        /the saved fc\.weight \[8, 10\] does not fit the student's fc\.weight \[8, 4\]/,
      ],
      [
        () => planStudentInit(saved, shapes({ 'x.w': [1] }), {}, '/s'),
        'student.init',
        /no variable of the saved model in \/s .* has a place in the student/,
      ],
      [
        () => planStudentInit(saved, student, { map: { conv1: 'conv1' }, strict: true }, '/s'),
        'student.init.strict',
        /student variables not initialised from \/s: fc\.weight/,
      ],
      [
        () => planStudentInit(saved, student, { map: { conv1: 'conv1', fc: 'conv1' } }, '/s'),
        'student.init.map',
        /both conv1\.weight and fc\.weight of the saved model map to the student's conv1\.weight/,
      ],
      [
        () => planStudentInit(saved, student, { exclude: ['fc', 'head'] }, '/s'),
        'student.init.exclude[1]',
        /'head' matches no variable of the saved model in \/s \(it has: conv1, fc\)/,
      ],
    ];
    for (const [f, field, message] of cases) {
      const e = errorOf(f);
      expect(e.path).toBe(field);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    }
  });
});

describe('student.init as a list of sources', () => {
  const into = { field: 'student.init', who: 'student' };
  const report = (field: string, source: string, paths: string[], notInitialised: string[]): StudentInitReport => ({
    source,
    field,
    dir: `/${source}`,
    loaded: paths.length,
    total: 4,
    notInitialised,
    unused: [],
    paths,
  });

  it('names each source of a list by its index; the single-object form stays one source named by the field', () => {
    expect(initSources(undefined, into)).toEqual([]);
    expect(initSources({ checkpoint: 'a' }, into)).toEqual([{ init: { checkpoint: 'a' }, into }]);
    expect(initSources([{ checkpoint: 'a' }, { recipe: 'b.yaml' }], into).map((s) => s.into)).toEqual([
      { field: 'student.init[0]', who: 'student', list: 'student.init' },
      { field: 'student.init[1]', who: 'student', list: 'student.init' },
    ]);
  });

  it('a variable two sources load is a one-line ConfigError at the later source, naming both', () => {
    const a = report('student.init[0]', 'checkpoint /run', ['detector.w', 'detector.b'], ['image.w', 'proj.w']);
    const b = report('student.init[1]', 'recipe clip.yaml', ['image.w', 'detector.b'], ['detector.w', 'proj.w']);
    let error: unknown;
    try {
      checkDisjointSources([a, b]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('student.init[1].map');
    expect((error as Error).message).toMatch(
      /the student's detector\.b would be initialised by two sources, student\.init\[0\] \(checkpoint \/run\) and student\.init\[1\] \(recipe clip\.yaml\)/,
    );
    expect((error as Error).message).not.toContain('\n');
    expect(() => checkDisjointSources([a, report('student.init[1]', 'r', ['image.w'], [])])).not.toThrow();
  });

  it('reports per source, then what no source initialised; strict on any source asks the sources together to cover the model', () => {
    const a = report('student.init[0]', 'checkpoint /run', ['detector.w', 'detector.b'], ['image.w', 'proj.w']);
    const b = report('student.init[1]', 'recipe clip.yaml', ['image.w'], ['detector.w', 'detector.b', 'proj.w']);
    const sources = initSources([{ checkpoint: '/run' }, { recipe: 'clip.yaml' }], into);
    expect(describeStudentInit(a)).toBe('student: 2 of 4 variables initialised from checkpoint /run (student.init[0])');
    const missing = initCoverage(sources, [a, b]);
    expect(missing).toEqual(['proj.w']);
    expect(describeInitCoverage([a, b], missing)).toBe(
      'student: 3 of 4 variables initialised by 2 sources; not initialised: proj.w',
    );
    const strict = initSources([{ checkpoint: '/run' }, { recipe: 'clip.yaml', strict: true }], into);
    expect(() => initCoverage(strict, [a, b])).toThrow(
      "config field 'student.init[1].strict': student variables initialised by no source of student.init: proj.w",
    );
    // a strict source in a list may cover part of the model: only its own saved variables must all find a place
    const saved = shapes({ 'conv1.weight': [1], 'fc.weight': [2] });
    const student = shapes({ 'conv1.weight': [1], 'fc.weight': [2], 'head.w': [3] });
    expect(planStudentInit(saved, student, { strict: true }, '/s', strict[1]!.into).notInitialised).toEqual(['head.w']);
    expect(() => planStudentInit(saved, student, { strict: true }, '/s', into)).toThrow(/student\.init\.strict/);
  });
});

describe('student.freeze: sub-trees by path', () => {
  const build = () => cnn.build({ inputShape: [8, 8, 1], numClasses: 3, seed: 1, options: { width: 2 } });

  it('freezes the named sub-modules: their parameters leave the trainable set', () => {
    const model = build();
    freezeStudent(model, ['conv1', 'bn1']);
    const trainable = [...model.namedParameters().keys()];
    expect(trainable.some((p) => p.startsWith('conv1.') || p.startsWith('bn1.'))).toBe(false);
    expect(trainable).toContain('fc.weight');
    model.dispose();
  });

  it('an unknown prefix, or a variable, is a ConfigError naming the entry and what the student has', () => {
    const model = build();
    const unknown = errorOf(() => freezeStudent(model, ['conv1', 'encoder']));
    expect(unknown.path).toBe('student.freeze[1]');
    expect(unknown.message).toMatch(
      /'encoder' names no sub-module of the student \(the student has: conv1, bn1, conv2, bn2, conv3, bn3, fc\)/,
    );
    const variable = errorOf(() => freezeStudent(model, ['fc.weight']));
    expect(variable.message).toMatch(/'fc\.weight' is a variable, not a sub-module \(fc has: no sub-modules\)/);
    model.dispose();
  });
});
