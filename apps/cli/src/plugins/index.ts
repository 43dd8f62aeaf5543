export {
  discoverPlugins,
  modulesFolders,
  projectFolder,
  type DiscoverOptions,
  type PluginPackage,
} from './discover.js';
export { namedPlugins, type PluginRequest } from './named.js';
export { packageEntry, readManifest, isPluginManifest, type PluginManifest } from './package-entry.js';
export { importPlugins, loadHost, pluginsToLoad } from './load-host.js';
export { pluginRequests } from './config-plugins.js';
