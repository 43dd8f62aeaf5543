import { listing, type Listing } from '../commands/list.js';
import { loadHost } from '../plugins/index.js';
import { extraPlugins, type PluginOptions } from './run.js';

/** What `kd list --json` shows: the plugins loaded and the methods, tasks, architectures and datasets they register. */
export async function list(options: PluginOptions = {}): Promise<Listing> {
  const { host, plugins } = await loadHost(extraPlugins(options));
  return listing(host, plugins);
}
