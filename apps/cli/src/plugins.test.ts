import { listArchitectures, listDatasets } from '@kd/core';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, writeFile } from '../test/kd.js';
import { discoverPlugins, loadHost } from './plugins/index.js';

// Plugins written without importing @kd/core (these folders have no node_modules with kd in them):
// the registry's tokens are global symbols, so a plugin may register through them directly.
const registers = (kind: 'ModelArchitecture' | 'DatasetProvider', id: string) =>
  `export function register(c) { c.register(Symbol.for('kd.${kind}'), { useValue: { id: '${id}', description: '${id} (test)' } }); }\n`;

function pkg(dir: string, manifest: Record<string, unknown>, code?: string): void {
  writeFile(dir, 'package.json', JSON.stringify({ version: '1.2.3', type: 'module', ...manifest }));
  if (code) writeFile(dir, 'index.js', code);
}

/** A user's project: itself a plugin, with plugins in node_modules under any scope, and one that is not. */
function project(): string {
  const root = tempDir('plugins');
  pkg(root, { name: 'my-project', kd: { plugin: true }, exports: { '.': { import: './kd-plugin.js' } } });
  writeFile(root, 'kd-plugin.js', registers('ModelArchitecture', 'my-net'));
  const nm = join(root, 'node_modules');
  pkg(
    join(nm, '@mylab', 'kd-data'),
    { name: '@mylab/kd-data', kd: { plugin: true }, main: 'index.js' },
    registers('DatasetProvider', 'lab-bars'),
  );
  pkg(join(nm, 'kd-unscoped'), { name: 'kd-unscoped', kd: { plugin: true } }, registers('DatasetProvider', 'unscoped'));
  pkg(join(nm, 'not-a-plugin'), { name: 'not-a-plugin' }, registers('DatasetProvider', 'never'));
  pkg(join(nm, 'unmarked'), { name: 'unmarked', exports: './index.js' }, registers('DatasetProvider', 'unmarked'));
  writeFile(root, 'extra/extra.js', registers('ModelArchitecture', 'extra-net'));
  return root;
}

/** Discovery from inside the project only (not from the kd workspace this test runs in). */
const only = (root: string) => ({ cwd: root, from: pathToFileURL(join(root, 'kd.js')) });

describe('plugin discovery', () => {
  it('finds plugins in any scope and the project kd runs in, and nothing unmarked', () => {
    const root = project();
    const found = discoverPlugins(only(join(root, 'extra'))); // from a subfolder: the project is the nearest package.json
    expect(found.map((p) => [p.name, p.source, p.version])).toEqual([
      ['@mylab/kd-data', 'installed', '1.2.3'],
      ['kd-unscoped', 'installed', '1.2.3'],
      ['my-project', 'project', '1.2.3'],
    ]);
  });

  it('loads them, plus the plugins a config names (a module path, an unmarked package), each once', async () => {
    const root = project();
    const { host, plugins } = await loadHost(
      [
        { spec: './extra/extra.js', baseDir: root },
        { spec: 'unmarked', baseDir: root },
        { spec: '@mylab/kd-data', baseDir: root }, // installed and named: loaded once
        { spec: '.', baseDir: root }, // the project itself, named: loaded once
      ],
      only(root),
    );
    expect(plugins.map((p) => `${p.name}:${p.source}`)).toEqual([
      '@mylab/kd-data:installed',
      'kd-unscoped:installed',
      'my-project:project',
      './extra/extra.js:named',
      'unmarked:named',
    ]);
    expect(listArchitectures(host).map((a) => a.id)).toEqual(['extra-net', 'my-net']);
    expect(listDatasets(host).map((d) => d.id)).toEqual(['lab-bars', 'unmarked', 'unscoped']);
  });

  it('says in one line what is wrong with a named plugin', async () => {
    const root = project();
    const fail = (spec: string) => loadHost([{ spec, baseDir: root }], only(root)).catch((e: Error) => e);
    expect(((await fail('./nope.js')) as Error).message).toBe(
      `plugin ./nope.js: no such file or folder (${root}/nope.js)`,
    );
    expect(((await fail('@mylab/absent')) as Error).message).toBe(
      `plugin @mylab/absent is not installed (looked in node_modules from ${root}): npm install @mylab/absent`,
    );
    expect(((await fail('Not A Name')) as Error).message).toBe(
      "plugin 'Not A Name' is neither a package name nor a path (a path starts with ./ or /)",
    );
    writeFile(root, 'no-register.js', 'export const x = 1;\n');
    expect(((await fail('./no-register.js')) as Error).message).toBe(
      'plugin ./no-register.js does not export a register(container) function',
    );
    writeFile(root, 'throws.js', "throw new Error('boom\\nmore');\n");
    expect(((await fail('./throws.js')) as Error).message).toBe(`plugin ./throws.js (${root}) cannot be loaded: boom`);
  });

  it('refuses two plugins that register the same id, naming both', async () => {
    const root = project();
    pkg(
      join(root, 'node_modules', '@other', 'bars'),
      { name: '@other/bars', kd: { plugin: true } },
      registers('DatasetProvider', 'lab-bars'),
    );
    const err = (await loadHost([], only(root)).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('UserError');
    expect(err.message).toBe(
      "dataset 'lab-bars' is registered by two plugins, @mylab/kd-data and @other/bars: uninstall one or take it out of plugins:",
    );
  });
});

describe('kd list in a project with plugins of its own (built CLI)', () => {
  it("shows the project's, a third-party scope's and kd's own plugins together", async () => {
    const root = project();
    const r = await kd(['list', '--plugin', './extra/extra.js'], root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}my-net +my-net \(test\)$/m);
    expect(r.stdout).toMatch(/^ {2}extra-net +extra-net \(test\)$/m);
    expect(r.stdout).toMatch(/^ {2}lab-bars +lab-bars \(test\)$/m);
    expect(r.stdout).toMatch(/^ {2}resnet8 /m); // kd's own, found from where kd is installed
    expect(r.stdout).toMatch(
      /^Plugins: .*@kd\/models.*@mylab\/kd-data.*my-project \(this project\).*\.\/extra\/extra\.js \(named\)/m,
    );
  });

  it('a clash is one line on stderr and exit code 2', async () => {
    const root = project();
    pkg(
      join(root, 'node_modules', 'kd-lab-resnet'),
      { name: 'kd-lab-resnet', kd: { plugin: true } },
      registers('ModelArchitecture', 'resnet8'),
    );
    const r = await kd(['list'], root);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "kd: architecture 'resnet8' is registered by two plugins, @kd/models and kd-lab-resnet: uninstall one or take it out of plugins:\n",
    );
  });
});
