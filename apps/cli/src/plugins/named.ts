import { UserError } from '@kd/core';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { modulesFolders, projectFolder, type PluginPackage } from './discover.js';
import { readManifest } from './package-entry.js';

/** A plugin named explicitly: an entry of a config's `plugins:` (relative to the config's folder) or a `--plugin`. */
export interface PluginRequest {
  /** A package name (`@mylab/kd-method-x`) or a path to a module file or package folder (`./my-model.js`). */
  readonly spec: string;
  /** The folder a relative path, and the node_modules a package name, are looked up from. */
  readonly baseDir: string;
}

const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

const isPath = (spec: string) => spec.startsWith('.') || isAbsolute(spec);

function fromFolder(dir: string, spec: string): PluginPackage {
  const manifest = readManifest(dir);
  if (!manifest) throw new UserError(`plugin ${spec}: ${dir} is a folder without a package.json`);
  return { name: manifest.name ?? spec, version: manifest.version ?? '0.0.0', dir, source: 'named' };
}

function resolvePath(request: PluginRequest): PluginPackage {
  const path = resolve(request.baseDir, request.spec);
  if (!existsSync(path)) throw new UserError(`plugin ${request.spec}: no such file or folder (${path})`);
  if (statSync(path).isDirectory()) return fromFolder(path, request.spec);
  const project = projectFolder(dirname(path));
  const version = (project && readManifest(project)?.version) || '0.0.0';
  return { name: request.spec, version, dir: dirname(path), source: 'named', file: path };
}

function resolvePackage(request: PluginRequest, kdFrom: string | URL): PluginPackage {
  const { spec } = request;
  if (!PACKAGE_NAME.test(spec))
    throw new UserError(`plugin '${spec}' is neither a package name nor a path (a path starts with ./ or /)`);
  const folders = [...modulesFolders(request.baseDir), ...(createRequire(kdFrom).resolve.paths('x') ?? [])];
  for (const modules of folders) {
    const dir = join(modules, spec);
    if (existsSync(join(dir, 'package.json'))) return fromFolder(dir, spec);
  }
  throw new UserError(
    `plugin ${spec} is not installed (looked in node_modules from ${request.baseDir}): npm install ${spec}`,
  );
}

/** The plugins a config or the command line names, each resolved to a package folder or module file. */
export function namedPlugins(
  requests: readonly PluginRequest[],
  kdFrom: string | URL = import.meta.url,
): PluginPackage[] {
  return requests.map((r) => (isPath(r.spec) ? resolvePath(r) : resolvePackage(r, kdFrom)));
}
