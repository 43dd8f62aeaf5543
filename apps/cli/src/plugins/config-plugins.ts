import type { RunConfig } from '@kd/runner';
import type { PluginRequest } from './named.js';

/** The plugins a run config names (`plugins:`), looked up from its folder (`baseDir`) or the working directory. */
export function pluginRequests(...configs: readonly Pick<RunConfig, 'plugins' | 'baseDir'>[]): PluginRequest[] {
  const seen = new Set<string>();
  const out: PluginRequest[] = [];
  for (const c of configs)
    for (const spec of c.plugins) {
      const request = { spec, baseDir: c.baseDir ?? process.cwd() };
      const key = `${request.baseDir}\0${spec}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(request);
    }
  return out;
}
