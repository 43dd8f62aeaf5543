import { formatMetricValue } from '@kd/runner';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartMarks, launchChromium, openPage, tablesText, type PageProblems } from '../test/browser.js';
import { kd, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/**
 * Screenshots of the pages checked here, kept as test artifacts: apps/cli/reports/report-browser/*.png
 * (`reports/` is gitignored; CI keeps the folder with the test reports).
 */
const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'reports', 'report-browser');

/** Markup in config values: the pages must show it as text (a script would open a dialog, an image request x). */
const HOSTILE_SCRIPT = '<script>alert("kd")</script>';
const HOSTILE_IMAGE = '<img src=x onerror=alert(2)>';

const NO_PROBLEMS: PageProblems = { consoleErrors: [], pageErrors: [], requests: [], dialogs: [] };

/** The rows of the markdown table in results.md, cells trimmed, the cell name without its backticks. */
function markdownRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`(.*)`$/, '$1')),
    );
}

/** The one table of a page whose header row starts with `first`. */
async function tableStartingWith(page: Page, ...first: string[]): Promise<string[][]> {
  const found = (await tablesText(page)).filter((t) => first.every((h, j) => t[0]?.[j] === h));
  expect(found, `one table with header ${first.join(', ')}`).toHaveLength(1);
  return found[0]!;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

/** Every chart of the page drew data marks that take up room on the page. */
async function expectChartsDrawn(page: Page, atLeast: number): Promise<void> {
  const charts = await chartMarks(page);
  expect(charts.length).toBeGreaterThanOrEqual(atLeast);
  for (const c of charts) expect(c.drawn, `chart ${c.chart}: ${c.marks} marks, ${c.drawn} drawn`).toBeGreaterThan(0);
}

/** The hostile config values are on the page as visible text, and made no element. */
async function expectHostileTextShown(page: Page): Promise<void> {
  const text = await page.innerText('body');
  expect(text).toContain(HOSTILE_SCRIPT);
  expect(text).toContain(HOSTILE_IMAGE);
  const made = await page.evaluate(
    () => document.querySelectorAll('img, script, [onerror], [onload], iframe, object, embed').length,
  );
  expect(made).toBe(0);
}

/**
 * The HTML reports in a real browser (the system's headless Chromium through playwright-core, no
 * browser download): a tiny sweep of 2 cells × 2 seeds whose `kd` cell carries markup in its config,
 * `kd report` of the sweep folder and of one run folder, each page opened where it can load nothing
 * but itself. Checked: no console or page errors, no request, no dialog; the markup shows as text;
 * every chart drew marks; the tables hold the cells and numbers of results.md / results.csv and
 * summary.json. Without Chromium the tests fail (they are not skipped): `.ci/run` installs it.
 */
describe('kd report pages in headless Chromium (tiny sweep, 2 cells × 2 seeds)', () => {
  const cwd = tempDir('report-browser');
  const config = writeFile(cwd, 'tiny.yaml', tinyConfig());
  const sweepDir = join(cwd, 'out', 'hostile');
  const runDir = join(sweepDir, 'kd', 'seed-1');
  let chromium: Browser | undefined;
  let noChromium: Error | undefined;
  /** The browser, or the reason there is none: each test fails with it (a missing browser is never a skip). */
  const browser = (): Browser => {
    if (!chromium) throw noChromium ?? new Error('Chromium did not start');
    return chromium;
  };

  beforeAll(async () => {
    try {
      chromium = await launchChromium();
    } catch (e) {
      noChromium = e as Error;
      return; // no sweep to look at without a browser
    }
    const groups = `{'${HOSTILE_SCRIPT}': {optimizer: {lr: 0.01}}, '${HOSTILE_IMAGE}': {optimizer: {lr: 0.02}}}`;
    const args = ['sweep', config, '--variant', 'student={methods: [], teacher: null}'];
    args.push('--variant', `kd={train: {groups: ${groups}}}`, '--seeds', '2', '--jobs', '1');
    const r = await kd([...args, '--out', 'out', '--name', 'hostile', '--quiet'], cwd);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await chromium?.close();
  });

  it('the checks catch a page that loads something, errs, runs data as script or draws nothing', async () => {
    const bad = `<!doctype html><html><head><title>bad</title><link rel="stylesheet" href="style.css"></head><body>
      <p>${HOSTILE_SCRIPT}</p><script>console.error('boom'); null.x;</script>
      <figure data-chart="empty"><svg width="10" height="10"><g class="mark-rect role-mark"></g></svg></figure>
      </body></html>`;
    const opened = await openPage(browser(), bad);
    try {
      expect(opened.problems.dialogs).toEqual(['alert: kd']);
      expect(opened.problems.requests).toEqual(['GET http://kd-report.invalid/style.css']);
      expect(opened.problems.consoleErrors).toContain('boom');
      expect(opened.problems.pageErrors).toHaveLength(1);
      expect(await chartMarks(opened.page)).toEqual([{ chart: 'empty', marks: 0, drawn: 0 }]);
      expect(await opened.page.innerText('body')).not.toContain(HOSTILE_SCRIPT);
    } finally {
      await opened.close();
    }
  });

  it('the sweep page: self-contained, markup as text, charts drawn, the results table', async () => {
    const chromium = browser();
    const r = await kd(['report', sweepDir, '--out', join(cwd, 'sweep.html')], cwd);
    expect(r.code, r.stderr).toBe(0);
    const opened = await openPage(chromium, readFileSync(join(cwd, 'sweep.html'), 'utf8'));
    try {
      const { page, problems } = opened;
      await screenshot(page, 'sweep.png');
      expect(problems).toEqual(NO_PROBLEMS);
      await expectHostileTextShown(page);
      await expectChartsDrawn(page, 2);

      // the table of results.md, cell by cell and number by number
      const md = markdownRows(readFileSync(join(sweepDir, 'results.md'), 'utf8'));
      const table = await tableStartingWith(page, 'cell', 'seeds');
      expect(table[0]).toEqual(md[0]);
      expect(table.slice(1)).toEqual(md.slice(1)); // (the |---:| rule line is not a row)
      expect(table.slice(1).map((row) => row[0])).toEqual(['student', 'kd']);

      // and the numbers of results.csv: the primary metric's mean ± std over the seeds, in percent
      const [header, ...lines] = readFileSync(join(sweepDir, 'results.csv'), 'utf8').trim().split('\n');
      const columns = header!.split(',');
      const column = table[0]!.indexOf('student test accuracy % (last)');
      expect(column).toBeGreaterThan(0);
      for (const line of lines) {
        const v = line.split(',');
        const mean = Number(v[columns.indexOf('student_test_last_mean')]);
        const std = Number(v[columns.indexOf('student_test_last_std')]);
        const row = table.find((t) => t[0] === v[0]);
        expect(row?.[1]).toBe('2');
        expect(row?.[column]).toBe(`${(mean * 100).toFixed(2)} ± ${(std * 100).toFixed(2)}`);
      }
    } finally {
      await opened.close();
    }
  });

  it('the run page: self-contained, markup as text, curves drawn, the final metrics and the config', async () => {
    const chromium = browser();
    const r = await kd(['report', runDir, '--out', join(cwd, 'run.html')], cwd);
    expect(r.code, r.stderr).toBe(0);
    const opened = await openPage(chromium, readFileSync(join(cwd, 'run.html'), 'utf8'));
    try {
      const { page, problems } = opened;
      await screenshot(page, 'run.png');
      expect(problems).toEqual(NO_PROBLEMS);
      await expectHostileTextShown(page);
      await expectChartsDrawn(page, 1);

      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
      const student = await tableStartingWith(page, 'metric', 'test (last)', 'test (best val)');
      const accuracy = student.find((row) => row[0]!.startsWith('accuracy'));
      expect(accuracy?.slice(1, 3)).toEqual([
        formatMetricValue('fraction', summary.student.test.last.accuracy),
        formatMetricValue('fraction', summary.student.test.best.accuracy),
      ]);
      const loss = student.find((row) => row[0] === 'loss');
      expect(loss?.[1]).toBe(formatMetricValue('score', summary.student.test.last.loss));
      const teachers = await tableStartingWith(page, 'teacher');
      expect(teachers.slice(1).map((row) => row[0])).toEqual(['teacher']);
      expect(teachers[1]).toContain(formatMetricValue('fraction', summary.teachers[0].metrics.accuracy));

      const configTable = (await tablesText(page)).find((t) => t.some((row) => row[0] === 'train.epochs'));
      expect(configTable).toContainEqual(['seed', '1']);
      expect(configTable).toContainEqual([`train.groups.${HOSTILE_SCRIPT}.optimizer.lr`, '0.01']);
      expect(configTable).toContainEqual([`train.groups.${HOSTILE_IMAGE}.optimizer.lr`, '0.02']);
    } finally {
      await opened.close();
    }
  });
});
