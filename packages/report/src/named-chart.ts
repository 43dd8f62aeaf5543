import type { TopLevelSpec } from 'vega-lite';

/** A chart of a report: its title, a file-safe id (the SVG's name beside results.md) and its spec. */
export interface NamedChart {
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/**
 * A file-safe name: characters outside `A-Z a-z 0-9 . _ -` become `_` (cell names keep `[`, `=`, `+`,
 * which links would have to encode); callers prefix an index where two names could meet.
 */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || '_';
}
