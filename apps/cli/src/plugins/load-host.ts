import { createHost, UserError, type DependencyContainer, type NamedPluginRegister } from '@kd/core';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { discoverPlugins, type DiscoverOptions, type PluginPackage } from './discover.js';
import { namedPlugins, type PluginRequest } from './named.js';
import { packageEntry, readManifest } from './package-entry.js';

function entryOf(p: PluginPackage): string {
  if (p.file) return p.file;
  const manifest = readManifest(p.dir);
  const entry = manifest && packageEntry(p.dir, manifest);
  if (!entry)
    throw new UserError(
      `plugin ${p.name} (${p.dir}) cannot be loaded: its entry file is missing — build it (npx nx run-many -t build) or remove it`,
    );
  return entry;
}

/** Imports each plugin and returns its `register` export, named for errors. */
export async function importPlugins(plugins: readonly PluginPackage[]): Promise<NamedPluginRegister[]> {
  const registers: NamedPluginRegister[] = [];
  for (const p of plugins) {
    let mod: { register?: unknown };
    try {
      mod = (await import(pathToFileURL(entryOf(p)).href)) as { register?: unknown };
    } catch (e) {
      if (e instanceof UserError) throw e;
      const why = (e as Error).message.split('\n')[0];
      throw new UserError(`plugin ${p.name} (${p.dir}) cannot be loaded: ${why}`);
    }
    if (typeof mod.register !== 'function')
      throw new UserError(`plugin ${p.name} does not export a register(container) function`);
    registers.push({ name: p.name, register: mod.register as NamedPluginRegister['register'] });
  }
  return registers;
}

/** The discovered plugins plus the named ones, each once (a named plugin that is also installed counts once). */
export function pluginsToLoad(requests: readonly PluginRequest[] = [], options: DiscoverOptions = {}): PluginPackage[] {
  const all = [...discoverPlugins(options)];
  for (const p of namedPlugins(requests, options.from)) {
    const real = realpathSync(p.file ?? p.dir);
    if (all.some((q) => realpathSync(q.file ?? q.dir) === real)) continue;
    if (!p.file && all.some((q) => q.name === p.name))
      throw new UserError(
        `plugin ${p.name} is installed twice: ${all.find((q) => q.name === p.name)!.dir} and ${p.dir} (named in plugins:)`,
      );
    all.push(p);
  }
  return all;
}

/**
 * The one host container of this process, with every plugin registered into it: the installed ones
 * (any package with `"kd": {"plugin": true}`), the project kd runs in if it is one, and those a
 * config's `plugins:` or `--plugin` names. Run containers are created from it later (one per run).
 */
export async function loadHost(
  requests: readonly PluginRequest[] = [],
  options: DiscoverOptions = {},
): Promise<{ host: DependencyContainer; plugins: readonly PluginPackage[] }> {
  const plugins = pluginsToLoad(requests, options);
  const registers = await importPlugins(plugins);
  return { host: createHost(registers), plugins };
}
