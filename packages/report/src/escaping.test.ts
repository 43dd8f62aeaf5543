import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeRun, writeSweep } from '../test/fixtures.js';
import { runReportHtml } from './run-page.js';
import { sweepReportHtml } from './sweep-page.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

/** No markup from the data: every `<` a page has opens one of the report's own elements. */
function expectNoInjectedMarkup(page: string): void {
  expect(page).not.toMatch(/<script/i);
  expect(page).not.toMatch(/<img/i);
  expect(page).not.toMatch(/<iframe|<object|<embed|javascript:/i);
}

describe('hostile strings in a report are shown as text', () => {
  it('in a run: config values, the run name, term names (inside the SVG too)', async () => {
    const dir = writeRun(tempDir('hostile-run'), {
      name: SCRIPT,
      terms: ['task.ce', SCRIPT],
      config: { name: SCRIPT, notes: IMG, methods: [{ id: IMG, hparams: { 'a"b': `'quoted' "x" & y` } }] },
    });
    const page = await runReportHtml(dir);
    expectNoInjectedMarkup(page);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;'); // the name, shown
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;'); // a config value, shown
    expect(page).toContain('&#39;quoted&#39; &quot;x&quot; &amp; y');
    // the term's name is a legend label inside the SVG, escaped there by vega
    const svg = page.match(/<figure class="chart" data-chart="01-distill-train".*?<\/figure>/s)![0];
    expect(svg).toMatch(/&lt;script&gt;alert\(1\)/);
  });

  it('in a sweep: cell names, error messages, the command', async () => {
    const dir = writeSweep(
      tempDir('hostile-sweep'),
      [
        { name: IMG, runs: [{ seed: 1 }, { seed: 2, terms: [SCRIPT] }] },
        { name: 'broken', runs: [{ seed: 1 }] },
      ],
      [1, 2],
    );
    // an unreadable summary: its error message (naming the file) reaches the page
    mkdirSync(join(dir, 'broken', 'seed-2'), { recursive: true });
    writeFileSync(join(dir, 'broken', 'seed-2', 'config.json'), '{}');
    writeFileSync(join(dir, 'broken', 'seed-2', 'summary.json'), `{"name": "${SCRIPT}"`);
    const page = await sweepReportHtml(dir);
    expectNoInjectedMarkup(page);
    expect(page).toContain('<code>&lt;img src=x onerror=alert(2)&gt;</code>'); // the table's cell column
    expect(page).toMatch(/broken<\/code> seed 2: <span class="problem">[^<]*summary\.json is not valid JSON/);
    // the cell name is an axis label of the bar charts and a legend label of the val curves, escaped by vega
    expect(page).toMatch(/<text[^>]*>&lt;img src=x onerror=alert\(2\)&gt;<\/text>/);
  });
});
