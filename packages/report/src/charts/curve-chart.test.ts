import { describe, expect, it } from 'vitest';
import { markCount } from '../../test/fixtures.js';
import { renderSvg } from '../render-svg.js';
import { curveChart } from './curve-chart.js';

describe('curveChart', () => {
  const chart = (points: Parameters<typeof curveChart>[0]['points']) =>
    renderSvg(curveChart({ title: 't', xTitle: 'epoch', yTitle: 'loss', seriesTitle: 'term', points, integerX: true }));

  it('bands for series over several epochs, an error bar for a series of one point', async () => {
    const svg = await chart([
      { series: 'a', x: 1, y: 1, lo: 0.9, hi: 1.1 },
      { series: 'a', x: 2, y: 0.5, lo: 0.4, hi: 0.6 },
      { series: 'b', x: 1, y: 0.7, lo: 0.6, hi: 0.8 },
    ]);
    expect(markCount(svg, 'line')).toBe(2);
    expect(markCount(svg, 'area')).toBe(2); // b's band has no width, but is drawn
    expect(markCount(svg, 'rule')).toBe(1); // b's spread as a bar
    expect(markCount(svg, 'symbol')).toBe(3);
  });

  it('a log axis for series orders of magnitude apart, a linear one otherwise', async () => {
    const apart = await chart([
      { series: 'total', x: 1, y: 50 },
      { series: 'ce', x: 1, y: 0.5 },
    ]);
    expect(apart).toContain('for a log scale');
    const close = await chart([
      { series: 'total', x: 1, y: 2 },
      { series: 'ce', x: 1, y: 0.5 },
    ]);
    expect(close).toContain('for a linear scale');
  });
});
