import { Error as VEGA_ERROR, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A vega-lite spec's warnings go nowhere (a report is not a log); its errors throw. */
const quiet = {
  level(): number {
    return VEGA_ERROR;
  },
  error(...args: readonly unknown[]): never {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
  warn() {
    return this;
  },
  info() {
    return this;
  },
  debug() {
    return this;
  },
};

/**
 * A vega-lite chart as an SVG document, rendered in Node: vega's headless view (renderer 'none')
 * writes SVG text itself, so no browser and no canvas are needed. vega escapes the text it writes
 * (titles, labels, legends, aria descriptions), so names from configs show as text.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec, { logger: quiet as never }).spec;
  const view = new View(parse(compiled), { renderer: 'none', logLevel: VEGA_ERROR });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * An SVG document as an element of an HTML page: the XML namespace attributes go (an HTML parser
 * knows SVG without them), so a page has no URL in it of any kind.
 */
export function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:\w+)?="[^"]*"/g, '');
}
