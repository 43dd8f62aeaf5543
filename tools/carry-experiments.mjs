#!/usr/bin/env node
// Long experiments (the converged-budget sweeps of issue 21 take tens of hours on 2 cores) outlive
// a working session on the team's machines only through git. This carries their state into
// experiments/state/ (committed) and back, so that `kd sweep` and `kd run --as-recipe` resume where
// the last session stopped:
//   node tools/carry-experiments.mjs save    --sweeps <dir> --cache <dir> [--runs <dir>]   # before the session ends
//   node tools/carry-experiments.mjs restore --sweeps <dir> --cache <dir> [--runs <dir>]   # on a fresh checkout
// <sweeps> is the sweeps' --out folder, <cache> the runs' cacheDir (the recipes live in <cache>/recipes),
// <runs> a folder of single runs (`kd run --run-dir <runs>/<name>`, e.g. a teacher trained over
// several sessions: a run resumes on another machine, a recipe would not — its key holds the numerics).
// What is kept:
//   - a finished recipe (a published cache entry: kd-cache-entry.json) whole — its manifest checks
//     every file, and its model is what the sweeps distil from;
//   - a finished run: its records (config, environment and each resume's, summary, log) and metrics.jsonl without
//     most per-step lines (every STEP_EVERY-th is kept: the loss curves keep their shape);
//   - a finished single run (--runs): the same, and its saved model (student/);
//   - an unfinished run or recipe: the same, plus its `last` checkpoint (to resume from) and its
//     `best` one (the run reports the best epoch's model at the end);
//   - each sweep's own files (sweep.json, results.md, results.csv).
// Lock files and everything else (other checkpoints, charts) are left behind. After saving, the tool
// checks that git would carry every file it wrote (a .gitignore pattern such as `sweeps/` once kept a
// whole session's sweeps out of the commit) and fails if not.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STEP_EVERY = 50;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const state = join(root, 'experiments', 'state');
const RUN_RECORDS = ['config.json', 'environment.json', 'summary.json', 'log.txt'];
/** environment.resume-<stamp>.json: what each resumed segment of a run ran on */
const isRunRecord = (name) => RUN_RECORDS.includes(name) || /^environment\.resume-.*\.json$/.test(name);

function usage(message) {
  console.error(
    `${message}\nusage: node tools/carry-experiments.mjs save|restore --sweeps <dir> --cache <dir> [--runs <dir>]`,
  );
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const flag = (name, optional = false) => {
  const i = rest.indexOf(`--${name}`);
  if (i >= 0 && rest[i + 1]) return resolve(rest[i + 1]);
  return optional && i < 0 ? undefined : usage(`--${name} <dir> is required`);
};
if (command !== 'save' && command !== 'restore') usage(`unknown command '${command ?? ''}'`);
const sweeps = flag('sweeps');
const cache = flag('cache');
const runs = flag('runs', true);

const isDir = (p) => existsSync(p) && statSync(p).isDirectory();
const files = (dir) => (isDir(dir) ? readdirSync(dir, { withFileTypes: true }) : []);

/** metrics.jsonl with one per-step record in STEP_EVERY (epoch, stage and run records all kept). */
function thinnedMetrics(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        const r = JSON.parse(line);
        return r.type !== 'step' || r.step % STEP_EVERY === 0;
      } catch {
        return false; // a line cut short by a crash
      }
    })
    .map((line) => line + '\n')
    .join('');
}

function finished(runDir) {
  const summary = join(runDir, 'summary.json');
  if (!existsSync(summary)) return false;
  try {
    return JSON.parse(readFileSync(summary, 'utf8')).completed === true;
  } catch {
    return false;
  }
}

/**
 * A run folder's records, thinned metrics and (unfinished) its last and best checkpoints; with
 * `keepModel`, a finished run's saved model (student/) too — a single run's model is what others use.
 */
function saveRun(from, to, keepModel = false) {
  mkdirSync(to, { recursive: true });
  for (const f of files(from).filter((e) => e.isFile() && isRunRecord(e.name)))
    cpSync(join(from, f.name), join(to, f.name));
  if (existsSync(join(from, 'metrics.jsonl')))
    writeFileSync(join(to, 'metrics.jsonl'), thinnedMetrics(join(from, 'metrics.jsonl')));
  if (finished(from)) {
    if (keepModel && isDir(join(from, 'student')))
      cpSync(join(from, 'student'), join(to, 'student'), { recursive: true });
    return 'finished';
  }
  for (const stage of files(join(from, 'checkpoints')).filter((e) => e.isDirectory())) {
    for (const which of ['last', 'best']) {
      const dir = join(from, 'checkpoints', stage.name, which);
      if (existsSync(join(dir, '.complete')))
        cpSync(dir, join(to, 'checkpoints', stage.name, which), { recursive: true });
    }
  }
  return 'unfinished';
}

function save() {
  rmSync(state, { recursive: true, force: true });
  const counts = { recipes: 0, finished: 0, unfinished: 0 };
  for (const e of files(join(cache, 'recipes')).filter((e) => e.isDirectory())) {
    const from = join(cache, 'recipes', e.name);
    const to = join(state, 'kd-cache', 'recipes', e.name);
    if (existsSync(join(from, 'kd-cache-entry.json'))) {
      cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.lock') });
      counts.recipes++;
    } else counts[saveRun(from, to)]++;
  }
  for (const sweep of files(sweeps).filter((e) => e.isDirectory())) {
    const from = join(sweeps, sweep.name);
    const to = join(state, 'sweeps', sweep.name);
    mkdirSync(to, { recursive: true });
    for (const f of files(from).filter((e) => e.isFile())) cpSync(join(from, f.name), join(to, f.name));
    // run folders: <sweep>/<cell>/seed-<n>, each with its config.json
    for (const cell of files(from).filter((e) => e.isDirectory())) {
      for (const run of files(join(from, cell.name)).filter((e) => e.isDirectory())) {
        const dir = join(from, cell.name, run.name);
        if (existsSync(join(dir, 'config.json'))) counts[saveRun(dir, join(to, cell.name, run.name))]++;
      }
    }
  }
  if (runs) {
    for (const run of files(runs).filter((e) => e.isDirectory())) {
      const dir = join(runs, run.name);
      if (existsSync(join(dir, 'config.json'))) counts[saveRun(dir, join(state, 'runs', run.name), true)]++;
    }
  }
  const ignored = execFileSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--', state], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  if (ignored) {
    console.error(`git ignores files the state needs (fix .gitignore, then save again):\n${ignored}`);
    process.exit(1);
  }
  console.log(
    `saved into ${relative(root, state)}: ${counts.recipes} finished recipe(s), ${counts.finished} finished run(s), ` +
      `${counts.unfinished} unfinished run(s) or recipe(s) with their last checkpoints`,
  );
}

function restore() {
  if (!isDir(state)) usage(`${relative(root, state)} does not exist: nothing to restore`);
  const pairs = [
    [join(state, 'kd-cache'), cache],
    [join(state, 'sweeps'), sweeps],
    ...(runs ? [[join(state, 'runs'), runs]] : []),
  ];
  for (const [from, to] of pairs) {
    if (!isDir(from)) continue;
    mkdirSync(to, { recursive: true });
    // never over a newer run: a folder that already exists stays as it is
    for (const e of readdirSync(from, { recursive: true, withFileTypes: true }).filter((x) => x.isFile())) {
      const src = join(e.parentPath, e.name);
      const dst = join(to, relative(from, src));
      if (existsSync(dst)) continue;
      mkdirSync(dirname(dst), { recursive: true });
      cpSync(src, dst);
    }
    console.log(`restored ${relative(root, from)} into ${to}`);
  }
}

if (command === 'save') save();
else restore();
