import { flattenConfig } from './compare/flatten-config.js';
import { html, Html, type HtmlValue } from './html.js';
import type { NamedChart } from './named-chart.js';
import { inlineSvg, renderSvg } from './render-svg.js';

const STYLE = `
  :root { color-scheme: light; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #f6f7f9; }
  main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 32px 0 10px; border-bottom: 1px solid #d9dce1; padding-bottom: 4px; }
  h3 { font-size: 15px; margin: 20px 0 8px; }
  .sub { color: #555; margin: 0 0 16px; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
  dl.facts dt { color: #555; }
  dl.facts dd { margin: 0; overflow-wrap: anywhere; }
  table { border-collapse: collapse; background: white; margin: 6px 0 12px; }
  th, td { border: 1px solid #d9dce1; padding: 4px 10px; text-align: right; font-variant-numeric: tabular-nums; }
  th { background: #eef1f5; font-weight: 600; }
  th:first-child, td:first-child { text-align: left; }
  table.kv th { text-align: left; }
  table.kv td { text-align: left; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; max-width: 760px; }
  code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
  .charts { display: flex; flex-wrap: wrap; gap: 14px; }
  figure.chart { margin: 0; background: white; border: 1px solid #d9dce1; border-radius: 6px; padding: 6px; max-width: 100%; overflow-x: auto; }
  figure.chart svg { display: block; max-width: 100%; height: auto; }
  .note { color: #555; font-size: 13px; }
  .problem { color: #a4262c; }
  details { margin: 8px 0; }
  summary { cursor: pointer; color: #333; }
`;

/** A whole report page: inline CSS, inline SVG, no script and no URL of any kind. */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content="kd report" />
        <title>${title}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html> `.markup;
}

/** Charts rendered to inline SVG, each in a figure whose data-chart attribute names it (for tests and readers). */
export async function chartFigures(charts: readonly NamedChart[]): Promise<Html> {
  const figures = await Promise.all(
    charts.map(
      async (c) =>
        html`<figure class="chart" data-chart="${c.id}" aria-label="${c.title}">
          ${new Html(inlineSvg(await renderSvg(c.spec)))}
        </figure>`,
    ),
  );
  return html`<div class="charts">${figures}</div>`;
}

/** `term → description` facts as a definition list. */
export function facts(entries: readonly (readonly [string, HtmlValue])[]): Html {
  return html`<dl class="facts">
    ${entries.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

/** A table: a header row and body rows of text (or markup), the first column left-aligned. */
export function table(header: readonly string[], rows: readonly (readonly HtmlValue[])[], cls?: string): Html {
  return html`<table${cls ? html` class="${cls}"` : ''}><thead><tr>${header.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr>
        ${r.map((v) => html`<td>${v}</td>`)}
      </tr>`,
  )}</tbody></table>`;
}

/** A JSON document (config, environment) as `path → value` rows in `--set` syntax. */
export function keyValueTable(value: unknown): Html {
  const rows = [...flattenConfig(value)].map(([path, leaf]) => [
    path,
    typeof leaf === 'string' ? leaf : JSON.stringify(leaf),
  ]);
  return table(['path', 'value'], rows, 'kv');
}
