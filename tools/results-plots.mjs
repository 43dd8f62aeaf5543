#!/usr/bin/env node
// The plots of a docs/results page, from the sweep folders it reports: each sweep's charts (the same
// as `kd report <sweep> --plots <dir>`) as SVG files in docs/results/plots/<sweep-name>/, and the page's
// plots section rewritten to show them — between the markers below, or appended as `## Plots`.
//   node tools/results-plots.mjs docs/results/mnist-baselines.md sweeps/mnist-baselines [sweeps/… …]
// Needs the built packages (npx nx run-many -t build). Run it again after re-running a sweep: the SVG
// files and the section are rewritten, charts of cells the sweep no longer has are removed.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { writeSweepCharts } = await import(join(root, 'packages', 'report', 'dist', 'index.js'));

const BEGIN = '<!-- plots: begin (written by tools/results-plots.mjs; edits here are overwritten) -->';
const END = '<!-- plots: end -->';
/** Shown at once; every other chart of the sweep is behind a "details" fold. */
const FIRST = (id) => id.startsWith('bar-student_test_last') || id.startsWith('val-');

const [page, ...sweeps] = process.argv.slice(2);
if (!page || sweeps.length === 0 || !page.endsWith('.md')) {
  console.error('usage: node tools/results-plots.mjs <docs/results/page.md> <sweep-dir> [<sweep-dir> …]');
  process.exit(2);
}
const pageDir = dirname(resolve(page));
const posix = (p) => p.split(sep).join('/');
const alt = (title) => title.replace(/[[\]]/g, (c) => `\\${c}`);

const sections = [];
for (const sweep of sweeps) {
  const name = basename(resolve(sweep));
  const files = await writeSweepCharts(sweep, join(pageDir, 'plots', name));
  const image = (f) => `![${alt(f.title)}](${posix(relative(pageDir, resolve(sweep, f.file)))})`;
  const id = (f) => basename(f.file, '.svg');
  const first = files.filter((f) => FIRST(id(f)));
  const rest = files.filter((f) => !FIRST(id(f)));
  sections.push(
    [
      `### Sweep \`${name}\``,
      '',
      first.map(image).join('\n'),
      '',
      ...(rest.length
        ? [`<details><summary>All ${files.length} charts of the sweep</summary>`, '', ...rest.map(image), '', '</details>', '']
        : []),
    ].join('\n'),
  );
  console.log(`${sweep}: ${files.length} chart(s) in ${posix(relative(process.cwd(), join(pageDir, 'plots', name)))}`);
}

const text = readFileSync(page, 'utf8');
const block = [BEGIN, '', 'Made by `kd report <sweep> --plots` from the sweep folders; bars: mean over seeds, error bars: ± sample std, dots: seeds.', '', ...sections, END].join('\n');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
const next =
  start >= 0 && end > start
    ? text.slice(0, start) + block + text.slice(end + END.length)
    : `${text.trimEnd()}\n\n## Plots\n\n${block}\n`;
writeFileSync(page, next);
console.log(`${page}: plots section ${start >= 0 ? 'rewritten' : 'appended'}`);
