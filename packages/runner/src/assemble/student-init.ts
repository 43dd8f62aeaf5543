import * as tf from '@tensorflow/tfjs';
import { ConfigError, type Module } from '@kd/core';
import type { ModelInits, StudentInit } from '../config/schema.js';
import { readModelVariables } from './saved-model.js';

/**
 * `student.init` (and `teacher.init`, with the same code): the student starts from (part of) a saved model. Saved variables are matched to
 * the student's by path, after `map` renames path prefixes (whole segments: `{'': encoder}` puts a
 * whole saved model under the student's `encoder`, `{backbone: encoder}` one part of it); shapes must
 * match. Student variables nothing maps to keep their seeded initialisation and are reported.
 */

/** Which model an init loads into, for its messages: its config field and how errors name it. */
export interface InitTarget {
  /** `student.init`, `teacher.init`, `extraTeachers.<name>.init`; `student.init[1]` for a source in a list */
  readonly field: string;
  /** `student`, `teacher`, … */
  readonly who: string;
  /** For a source in a list: the list's field (`student.init`); its `strict` then asks all sources together to cover the model. */
  readonly list?: string;
}

/** One source of an init (a checkpoint or a recipe, its map), with the target its errors and log lines name. */
export interface InitSource {
  readonly init: StudentInit;
  readonly into: InitTarget;
}

/**
 * The sources of an init: the single-object form is one source named by the init's field; a list's
 * are named `<field>[i]`.
 */
export function initSources(init: ModelInits | undefined, into: InitTarget): InitSource[] {
  if (!init) return [];
  if (!Array.isArray(init)) return [{ init: init as StudentInit, into }];
  return init.map((source, i) => ({ init: source, into: { ...into, field: `${into.field}[${i}]`, list: into.field } }));
}

const STUDENT: InitTarget = { field: 'student.init', who: 'student' };

/** What `student.init` did, for the run's log. */
export interface StudentInitReport {
  /** `checkpoint <path>` or `recipe <file>`. */
  readonly source: string;
  /** The config field of the source (`student.init`, `student.init[1]`). */
  readonly field: string;
  /** The saved model folder read. */
  readonly dir: string;
  /** Student variables given a saved value. */
  readonly loaded: number;
  /** All student variables (parameters and buffers). */
  readonly total: number;
  /** Student variables left at their seeded initialisation, by path. */
  readonly notInitialised: readonly string[];
  /** Saved variables the map selected that have no place in the student, by saved path. */
  readonly unused: readonly string[];
  /** The student variables given a saved value, by path. */
  readonly paths: readonly string[];
}

/** Whether `path` lies under `prefix` by whole dotted segments (`''` contains every path). */
export function underPrefix(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}.`);
}

/**
 * The student path of a saved variable: the longest `map` prefix it lies under, replaced by its
 * target; the path itself without a map; undefined when a map leaves it out.
 */
export function mappedPath(path: string, map: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!map) return path;
  let from: string | undefined;
  for (const prefix of Object.keys(map))
    if (underPrefix(path, prefix) && (from === undefined || prefix.length > from.length)) from = prefix;
  if (from === undefined) return undefined;
  const rest = from === '' ? path : path.slice(from.length + 1);
  const to = map[from]!;
  return to === '' ? rest : rest === '' ? to : `${to}.${rest}`;
}

/** A few names, then how many more: keeps an error or log on one line. */
function someOf(names: readonly string[], shown = 4): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} … (${names.length - shown} more)`;
}

/** The first path segments of a set of paths, for "it has: …" hints. */
function topLevel(paths: Iterable<string>): string {
  return someOf([...new Set([...paths].map((p) => p.split('.')[0]!))], 8);
}

const shapeOf = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Which saved variable initialises which student variable; every problem is a one-line ConfigError. */
export interface InitPlan {
  /** [saved path, student path] pairs, shapes checked. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly notInitialised: readonly string[];
  readonly unused: readonly string[];
}

/**
 * Pairs saved variables (by path, with their shapes) with the student's after mapping prefixes.
 * Refuses a map prefix that matches no saved variable or names no part of the student, two saved
 * variables for one student variable, a shape mismatch (naming both variables), a plan that loads
 * nothing, and — with `strict` — any student variable left out or saved variable without a place.
 */
export function planStudentInit(
  saved: ReadonlyMap<string, readonly number[]>,
  student: ReadonlyMap<string, readonly number[]>,
  init: Pick<StudentInit, 'map' | 'strict' | 'exclude'>,
  dir: string,
  into: InitTarget = STUDENT,
): InitPlan {
  const { field: FIELD, who } = into;
  const map = init.map;
  const exclude = init.exclude ?? [];
  exclude.forEach((prefix, i) => {
    if (![...saved.keys()].some((p) => underPrefix(p, prefix))) {
      throw new ConfigError(
        `${FIELD}.exclude[${i}]`,
        `'${prefix}' matches no variable of the saved model in ${dir} (it has: ${topLevel(saved.keys())})`,
      );
    }
  });
  for (const [from, to] of Object.entries(map ?? {})) {
    if (![...saved.keys()].some((p) => underPrefix(p, from))) {
      throw new ConfigError(
        `${FIELD}.map`,
        `'${from}' matches no variable of the saved model in ${dir} (it has: ${topLevel(saved.keys())})`,
      );
    }
    if (![...student.keys()].some((p) => underPrefix(p, to))) {
      throw new ConfigError(
        `${FIELD}.map.${from}`,
        `'${to}' names no part of the ${who} (it has: ${topLevel(student.keys())})`,
      );
    }
  }
  const pairs: [string, string][] = [];
  const unused: string[] = [];
  const source = new Map<string, string>();
  for (const [path, shape] of saved) {
    if (exclude.some((prefix) => underPrefix(path, prefix))) continue;
    const target = mappedPath(path, map);
    if (target === undefined) continue;
    const own = student.get(target);
    if (!own) {
      unused.push(path);
      continue;
    }
    if (source.has(target))
      throw new ConfigError(
        `${FIELD}.map`,
        `both ${source.get(target)} and ${path} of the saved model map to the ${who}'s ${target}`,
      );
    if (shapeOf(own) !== shapeOf(shape)) {
      throw new ConfigError(
        FIELD,
        `the saved ${path} ${shapeOf(shape)} does not fit the ${who}'s ${target} ${shapeOf(own)} (${dir})`,
      );
    }
    source.set(target, path);
    pairs.push([path, target]);
  }
  if (pairs.length === 0) {
    throw new ConfigError(
      FIELD,
      `no variable of the saved model in ${dir} (${topLevel(saved.keys())}) has a place in the ${who} (${topLevel(student.keys())}); map path prefixes with ${FIELD}.map`,
    );
  }
  const notInitialised = [...student.keys()].filter((p) => !source.has(p));
  // a source in a list covers part of the model: the list's coverage is checked over all its sources
  if (init.strict && !into.list && notInitialised.length)
    throw new ConfigError(`${FIELD}.strict`, `${who} variables not initialised from ${dir}: ${someOf(notInitialised)}`);
  if (init.strict && unused.length)
    throw new ConfigError(
      `${FIELD}.strict`,
      `saved variables in ${dir} without a place in the ${who}: ${someOf(unused)}`,
    );
  return { pairs, notInitialised, unused };
}

/**
 * Loads the saved model in `dir` into `student` (or a teacher: `target`) as `init` says (nothing is
 * assigned unless the whole plan holds).
 */
export function initStudent(
  student: Module,
  dir: string,
  init: Pick<StudentInit, 'map' | 'strict' | 'exclude'>,
  source: string,
  target: InitTarget = STUDENT,
): StudentInitReport {
  const saved = readModelVariables(dir);
  try {
    const vars = student.namedVariables();
    const plan = planStudentInit(
      new Map(Object.entries(saved).map(([k, t]) => [k, t.shape])),
      new Map([...vars].map(([k, v]) => [k, v.shape])),
      init,
      dir,
      target,
    );
    for (const [from, to] of plan.pairs) {
      const [t, v] = [saved[from]!, vars.get(to)!];
      if (t.dtype !== v.dtype)
        throw new ConfigError(
          target.field,
          `the saved ${from} is ${t.dtype}, the ${target.who}'s ${to} ${v.dtype} (${dir})`,
        );
    }
    for (const [from, to] of plan.pairs) vars.get(to)!.assign(saved[from]!);
    return {
      source,
      field: target.field,
      dir,
      loaded: plan.pairs.length,
      total: vars.size,
      notInitialised: plan.notInitialised,
      unused: plan.unused,
      paths: plan.pairs.map(([, to]) => to),
    };
  } finally {
    tf.dispose(Object.values(saved));
  }
}

/**
 * One log line: how much was loaded, and what was not. A source in a list (its field ends in `]`)
 * names its field and leaves what no source initialised to `describeInitCoverage`.
 */
export function describeStudentInit(r: StudentInitReport, who = 'student'): string {
  const inList = r.field.endsWith(']');
  const rest = [
    ...(inList
      ? []
      : [r.notInitialised.length ? `not initialised: ${someOf(r.notInitialised)}` : 'every variable initialised']),
    ...(r.unused.length ? [`saved but unused: ${someOf(r.unused)}`] : []),
  ];
  const from = `${r.source}${inList ? ` (${r.field})` : ''}`;
  return `${who}: ${r.loaded} of ${r.total} variables initialised from ${from}${rest.length ? `; ${rest.join('; ')}` : ''}`;
}

/**
 * The sources of one init load disjoint variables: a variable two of them load is a one-line
 * ConfigError at the later source's map, naming both sources.
 */
export function checkDisjointSources(reports: readonly StudentInitReport[], who = 'student'): void {
  const by = new Map<string, StudentInitReport>();
  for (const r of reports) {
    const shared = new Map<StudentInitReport, string[]>();
    for (const path of r.paths) {
      const first = by.get(path);
      if (first) shared.set(first, [...(shared.get(first) ?? []), path]);
      else by.set(path, r);
    }
    for (const [first, paths] of shared) {
      throw new ConfigError(
        `${r.field}.map`,
        `the ${who}'s ${someOf(paths, 2)} would be initialised by two sources, ${first.field} (${first.source}) and ${r.field} (${r.source}); map each variable from one source`,
      );
    }
  }
}

/**
 * After every source of a list loaded: the variables none of them initialised (those every source
 * left out). With `strict` on any source, any such variable is a ConfigError at its `strict`.
 */
export function initCoverage(sources: readonly InitSource[], reports: readonly StudentInitReport[]): string[] {
  const [first, ...rest] = reports;
  if (!first) return [];
  const missing = first.notInitialised.filter((p) => rest.every((r) => r.notInitialised.includes(p)));
  const strict = sources.find((s) => s.init.strict);
  if (strict && missing.length) {
    throw new ConfigError(
      `${strict.into.field}.strict`,
      `${strict.into.who} variables initialised by no source of ${strict.into.list ?? strict.into.field}: ${someOf(missing)}`,
    );
  }
  return missing;
}

/** The log line after a list's sources: how many variables they initialised together, and which none did. */
export function describeInitCoverage(
  reports: readonly StudentInitReport[],
  missing: readonly string[],
  who = 'student',
): string {
  const total = reports[0]?.total ?? 0;
  return `${who}: ${total - missing.length} of ${total} variables initialised by ${reports.length} source${reports.length === 1 ? '' : 's'}; ${missing.length ? `not initialised: ${someOf(missing)}` : 'every variable initialised'}`;
}
