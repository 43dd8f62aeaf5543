/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The names Debian and other distributions give the Chromium binary. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

/**
 * The system Chromium (no browser download): `KD_CHROMIUM` if set, else `chromium` / `chromium-browser` on
 * PATH. Missing is an error, not a skip: the report tests must run wherever the suite runs, and `.ci/run`
 * installs Debian's `chromium` for them.
 */
export function findChromium(): string {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const fromEnv = process.env['KD_CHROMIUM'];
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(
      `KD_CHROMIUM=${fromEnv} is not an executable file (unset, the tests use chromium on PATH, which .ci/run installs)`,
    );
  }
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES)
    for (const dir of [...dirs, '/usr/bin']) if (executable(join(dir, name))) return join(dir, name);
  throw new Error(
    `Chromium not found (no ${CHROMIUM_NAMES.join(' or ')} on PATH, KD_CHROMIUM unset): the browser tests of ` +
      `the HTML reports need it; .ci/run installs it (Debian: apt-get install chromium)`,
  );
}

/** Headless system Chromium; `--no-sandbox` because CI runs as root, where Chromium's sandbox refuses to start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox'] });
}

/** Everything a page did that a self-contained, inert report must not do. */
export interface PageProblems {
  /** `console.error` messages, including Chromium's own (a resource that failed to load). */
  readonly consoleErrors: string[];
  /** Uncaught exceptions in the page's scripts. */
  readonly pageErrors: string[];
  /** Every request besides the page itself (images, styles, scripts, fonts, fetches, websockets, favicons). */
  readonly requests: string[];
  /** alert / confirm / prompt / beforeunload dialogs: a script from the data ran. */
  readonly dialogs: string[];
}

/** A page opened by `openPage`, with what it did while loading. */
export interface OpenedPage {
  readonly page: Page;
  readonly problems: PageProblems;
  close(): Promise<void>;
}

/** The made-up address a page is served at: `.invalid` never resolves, so nothing can leave the machine. */
const PAGE_URL = 'http://kd-report.invalid/report.html';

/**
 * Opens an HTML document in a fresh context where it is the only thing that can load: the page is
 * served from a made-up address by a route, and every other request is recorded and aborted (so a
 * relative or absolute URL of any kind in the page shows up in `problems.requests`). Console errors,
 * page errors and dialogs are recorded too (dialogs dismissed). Returns once the page has loaded and
 * the network has been idle for half a second.
 */
export async function openPage(browser: Browser, html: string): Promise<OpenedPage> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], requests: [], dialogs: [] };
  let served = false;
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (!served && request.url() === PAGE_URL && request.isNavigationRequest()) {
      served = true;
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      return;
    }
    problems.requests.push(`${request.method()} ${request.url()}`);
    await route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('websocket', (ws) => problems.requests.push(`websocket ${ws.url()}`));
  await page.goto(PAGE_URL, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  return { page, problems, close: () => context.close() };
}

/** The data marks of one chart: how many, and how many of them cover any area or length on the page. */
export interface ChartMarks {
  /** The figure's `data-chart` name, else `svg #i`. */
  readonly chart: string;
  readonly marks: number;
  readonly drawn: number;
}

/**
 * The data marks of every SVG in the page — vega draws a mark's items (bars, points, lines, areas,
 * rules) as `path` / `line` / `rect` children of a `g.role-mark` group; axes, grids and legends are
 * other roles and do not count — and how many of them have a non-empty box as laid out in the page.
 */
export function chartMarks(page: Page): Promise<ChartMarks[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('svg')].map((svg, i) => {
      const marks = [
        ...svg.querySelectorAll<SVGGraphicsElement>(
          'g.role-mark > path, g.role-mark > line, g.role-mark > rect, g.role-mark > symbol',
        ),
      ];
      const drawn = marks.filter((m) => {
        const box = m.getBBox();
        return (box.width > 0 || box.height > 0) && getComputedStyle(m).display !== 'none';
      });
      const chart = svg.closest('figure')?.getAttribute('data-chart') ?? `svg #${i + 1}`;
      return { chart, marks: marks.length, drawn: drawn.length };
    }),
  );
}

/** Every table of the page as the text of its cells, row by row (header row first). */
export function tablesText(page: Page): Promise<string[][][]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('table')].map((table) =>
      [...table.querySelectorAll('tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((cell) => (cell as HTMLElement).innerText.trim()),
      ),
    ),
  );
}
