import { escapeHtml } from './escape.js';

/**
 * Markup that is already safe: made by `html` (whose interpolations are escaped) or by a renderer
 * trusted to escape its own text (vega's SVG; tested with hostile names). Anything else that reaches
 * a page is a string, and a string is always escaped.
 */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** What may be interpolated: text (escaped), numbers, markup, lists of them; nothing for undefined/false. */
export type HtmlValue = Html | string | number | undefined | null | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template of markup whose every interpolated string is escaped: the one way pages are written. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]!) : ''), ''));
}
