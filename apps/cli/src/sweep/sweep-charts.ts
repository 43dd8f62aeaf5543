import type { ChartLink } from '@kd/runner';
import { writeSweepCharts } from '@kd/report';

/**
 * The sweep's charts as SVG files beside results.md (`<sweep>/plots/`), for results.md to link. A
 * chart that cannot be drawn costs the plots, never the results: the table is written regardless.
 */
export async function sweepCharts(sweepDir: string, log: (line: string) => void): Promise<readonly ChartLink[]> {
  try {
    return await writeSweepCharts(sweepDir);
  } catch (e) {
    log(`plots not written: ${(e as Error).message.split('\n')[0]}`);
    return [];
  }
}
