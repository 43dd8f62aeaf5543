import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPENDENCY_FIELDS } from '../../../tools/version.mjs';
import { cleanUp, run, tempDir } from '../test/processes.js';
import { ROOT, publishablePackages, workspacePackages, type Manifest } from '../test/workspace.js';

afterAll(cleanUp);

const all = workspacePackages();
const internal = new Set(all.map((p) => p.name));
const TFJS = '@tensorflow/tfjs';

/** The packages that a package's shipped sources import: the files its tsconfig.lib.json compiles. */
function importsOf(dir: string): Set<string> {
  const found = new Set<string>();
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d: ts.Diagnostic) => {
      throw new Error(String(d.messageText));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.lib.json'), {}, host)!;
  for (const file of config.fileNames) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return found;
}

describe('versions move together', () => {
  const version = all.find((p) => p.name === '@kd/core')!.version;

  it('every workspace package has the same version', () => {
    expect(all.filter((p) => p.version !== version).map((p) => `${p.name}@${p.version}`)).toEqual([]);
  });

  it('every range on a workspace package is exactly that version', () => {
    const loose: string[] = [];
    for (const p of all) {
      for (const field of DEPENDENCY_FIELDS) {
        for (const [dep, range] of Object.entries(p.manifest[field] ?? {})) {
          if (internal.has(dep) && range !== version) loose.push(`${p.name} ${field} ${dep}@${range}`);
        }
      }
    }
    expect(loose).toEqual([]);
  });

  it('tools/version.mjs moves every version and internal range of a workspace to a new one, and nothing else', async () => {
    const root = tempDir('version');
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    for (const p of all) {
      mkdirSync(join(root, p.path), { recursive: true });
      cpSync(join(p.dir, 'package.json'), join(root, p.path, 'package.json'));
    }
    const r = await run(process.execPath, [join(ROOT, 'tools/version.mjs'), '1.2.3-rc.1', '--no-lockfile'], {
      cwd: root,
      env: { ...process.env, KD_ROOT: root },
    });
    expect(r.code, r.stderr).toBe(0);
    for (const p of all) {
      const before = p.manifest;
      const after = JSON.parse(readFileSync(join(root, p.path, 'package.json'), 'utf8')) as Manifest;
      expect(after.version).toBe('1.2.3-rc.1');
      for (const field of DEPENDENCY_FIELDS) {
        for (const [dep, range] of Object.entries(before[field] ?? {})) {
          expect(after[field]![dep], `${p.name} ${field} ${dep}`).toBe(internal.has(dep) ? '1.2.3-rc.1' : range);
        }
      }
    }
    const bad = await run(process.execPath, [join(ROOT, 'tools/version.mjs'), 'next'], {
      cwd: root,
      env: { ...process.env, KD_ROOT: root },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("version: not a version: 'next' (expected e.g. 0.2.0 or 1.0.0-rc.1)\n");
  });
});

describe('dependencies a user installs', () => {
  const published = publishablePackages();
  const tfjsVersion = (all.find((p) => p.name === '@kd/tfjs-runtime')!.manifest.devDependencies ?? {})[TFJS];

  it('the licence of every package is the repository LICENSE', () => {
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the kd authors\n/);
    for (const p of published) expect(readFileSync(join(p.dir, 'LICENSE'), 'utf8'), p.name).toBe(license);
  });

  it.each(published.map((p) => [p.name, p] as const))(
    '%s: tfjs and @kd/core are peers where used, exact',
    (_name, p) => {
      const imports = importsOf(p.dir);
      const m = p.manifest;
      if (imports.has(TFJS)) {
        expect(m.peerDependencies?.[TFJS]).toBe('4.22.0');
        expect(m.devDependencies?.[TFJS], 'installed in the workspace too').toBe('4.22.0');
      }
      expect(m.dependencies?.[TFJS]).toBeUndefined();
      if (imports.has('@kd/core') && p.name !== '@kd/cli') expect(m.peerDependencies?.['@kd/core']).toBe(p.version);
      // every bare import is declared where a user's install finds it
      for (const spec of imports) {
        const declared = m.dependencies?.[spec] ?? m.peerDependencies?.[spec];
        expect(declared, `${p.name} imports ${spec}`).toBeDefined();
      }
      expect(tfjsVersion).toBe('4.22.0');
    },
  );

  it('tsyringe, reflect-metadata and zod reach users only through @kd/core', () => {
    const users = published.filter((p) =>
      ['tsyringe', 'reflect-metadata', 'zod'].some((d) => importsOf(p.dir).has(d) || p.manifest.dependencies?.[d]),
    );
    expect(users.map((p) => p.name)).toEqual(['@kd/core']);
  });

  it('@kd/cli depends on no method: what a plain kd run needs, methods only for its own tests', () => {
    const cli = published.find((p) => p.name === '@kd/cli')!.manifest;
    const kdDeps = Object.keys(cli.dependencies ?? {}).filter((d) => d.startsWith('@kd/'));
    expect(kdDeps.sort()).toEqual(
      [
        '@kd/core',
        '@kd/data',
        '@kd/models',
        '@kd/preview',
        '@kd/report',
        '@kd/runner',
        '@kd/tasks',
        '@kd/text',
        '@kd/tfjs-runtime',
        '@kd/trainer',
      ].sort(),
    );
    expect(Object.keys(cli.devDependencies ?? {})).toEqual(
      expect.arrayContaining(['@kd/method-kd', '@kd/method-fitnet']),
    );
  });
});
