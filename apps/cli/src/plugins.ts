import { createHost, UserError, type DependencyContainer, type PluginRegister } from '@kd/core';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** An installed plugin package: an `@kd/*` package whose package.json says `"kd": {"plugin": true}`. */
export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

const SCOPE = '@kd';

function readManifest(dir: string): { name?: string; version?: string; kd?: { plugin?: unknown } } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Finds the installed plugin packages: every `@kd/*` folder in the node_modules folders Node would
 * search from this module (the workspace's links included) whose package.json has
 * `"kd": {"plugin": true}`. The first occurrence of a name wins, as in Node's own resolution.
 */
export function discoverPlugins(from: string | URL = import.meta.url): PluginPackage[] {
  const require = createRequire(from);
  const found = new Map<string, PluginPackage>();
  for (const modules of require.resolve.paths(`${SCOPE}/core`) ?? []) {
    const scope = join(modules, SCOPE);
    if (!existsSync(scope)) continue;
    for (const entry of readdirSync(scope).sort()) {
      const dir = join(scope, entry);
      const manifest = readManifest(dir);
      if (!manifest?.name || manifest.kd?.plugin !== true || found.has(manifest.name)) continue;
      found.set(manifest.name, { name: manifest.name, version: manifest.version ?? '0.0.0', dir });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Imports each plugin package and returns its `register` export. */
export async function importPlugins(plugins: readonly PluginPackage[]): Promise<PluginRegister[]> {
  const registers: PluginRegister[] = [];
  for (const p of plugins) {
    let mod: { register?: unknown };
    try {
      mod = (await import(p.name)) as { register?: unknown };
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      throw new UserError(
        `plugin ${p.name} (${p.dir}) cannot be loaded: ${why} — build it (npx nx run-many -t build) or remove it`,
      );
    }
    if (typeof mod.register !== 'function')
      throw new UserError(`plugin package ${p.name} does not export a register(container) function`);
    registers.push(mod.register as PluginRegister);
  }
  return registers;
}

/**
 * The one host container of this process, with every installed plugin registered into it. Run
 * containers are created from it later (one per run), never before all plugins are in.
 */
export async function loadHost(
  plugins: readonly PluginPackage[] = discoverPlugins(),
): Promise<{ host: DependencyContainer; plugins: readonly PluginPackage[] }> {
  const registers = await importPlugins(plugins);
  return { host: createHost(registers), plugins };
}
