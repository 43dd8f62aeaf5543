import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP, publishManifest } from '../../../tools/pack/manifest.mjs';
import { fileInTarball, pack } from '../test/pack.js';
import { cleanUp, tempDir } from '../test/processes.js';
import { publishablePackages, stageWorkspace, type Manifest } from '../test/workspace.js';

afterAll(cleanUp);

const packages = publishablePackages();
const version = packages.find((p) => p.name === '@kd/core')!.version;

/** What a tarball may hold: compiled JS, its types and maps under dist/, the readme, licence and manifest. */
const ALLOWED = /^(dist\/.+\.(js|d\.ts|js\.map)|README\.md|LICENSE|package\.json)$/;
/** @kd/native-kernels: the addon's sources, compiled at install. */
const NATIVE_SOURCES = /^(csrc\/[a-z0-9_]+\.[ch]|scripts\/build-addon\.mjs)$/;
/** What it must never hold. */
const FORBIDDEN =
  /(^|\/)(src|test|tests|__fixtures__|fixtures|reports|node_modules)(\/|$)|\.test\.|tsconfig|vitest\.config|tsbuildinfo|\.ts$(?<!\.d\.ts)/;

describe('npm pack of every publishable package', () => {
  it('publishes every workspace package but the install test', () => {
    expect(packages.map((p) => p.name)).toContain('@kd/cli');
    expect(packages.map((p) => p.name)).toContain('@kd/testing');
    expect(packages.map((p) => p.name)).not.toContain('@kd/install-test');
    expect(packages).toHaveLength(26);
  });

  describe.each(packages.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    it('packs the built dist/ (JS, types, maps with their sources), README.md, LICENSE and package.json only', async () => {
      const { report } = await pack(p.dir, { dryRun: true, ignoreScripts: true });
      const files = report.files.map((f) => f.path).sort();
      expect(files).toEqual(
        expect.arrayContaining([
          'dist/index.js',
          'dist/index.d.ts',
          'dist/index.js.map',
          'README.md',
          'LICENSE',
          'package.json',
        ]),
      );
      // the native addon's package also ships its C sources and the install-time build
      const allowed = (f: string) => ALLOWED.test(f) || (p.name === '@kd/native-kernels' && NATIVE_SOURCES.test(f));
      expect(files.filter((f) => !allowed(f))).toEqual([]);
      if (p.name === '@kd/native-kernels')
        expect(files).toEqual(expect.arrayContaining(['csrc/addon.c', 'csrc/kd_kernels.c', 'scripts/build-addon.mjs']));
      expect(files.filter((f) => FORBIDDEN.test(f))).toEqual([]);
      for (const js of files.filter((f) => f.endsWith('.js'))) {
        expect(files, js).toContain(js.replace(/\.js$/, '.d.ts'));
        expect(files, js).toContain(`${js}.map`);
      }
      // the maps carry the TypeScript they came from: src/ itself is not shipped
      const map = JSON.parse(readFileSync(join(p.dir, 'dist/index.js.map'), 'utf8')) as { sourcesContent?: string[] };
      expect(map.sourcesContent?.[0]).toBe(readFileSync(join(p.dir, 'src/index.ts'), 'utf8'));
    });

    it('publishes a manifest without @kd/source, not private, with types first, exact internal versions and shared peers', () => {
      const m = publishManifest(p.manifest) as Manifest;
      expect(JSON.stringify(m)).not.toContain('@kd/source');
      expect(m.private).toBeUndefined();
      expect(m.license).toBe('MIT');
      expect(m.engines).toEqual({ node: '>=20.19' });
      expect(m.types).toBe('./dist/index.d.ts');
      expect(m.exports).toEqual({
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      });
      expect(Object.keys((m.exports as Record<string, object>)['.']!)[0]).toBe('types');
      for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
        for (const [dep, range] of Object.entries(m[field] ?? {}))
          if (dep.startsWith('@kd/')) expect(range, `${field} ${dep}`).toBe(version);
      }
      expect(m.dependencies?.['@tensorflow/tfjs'], 'tfjs is never a private copy').toBeUndefined();
      if (m.name !== '@kd/cli') expect(m.dependencies?.['@kd/core'], '@kd/core is shared: a peer').toBeUndefined();
    });
  });
});

describe('prepack: the build and the manifest swap of a real npm pack (a staged copy of @kd/method-kd)', () => {
  let dir = '';
  let original = '';
  beforeAll(() => {
    const method = packages.filter((p) => p.name === '@kd/method-kd');
    dir = stageWorkspace(tempDir('prepack'), method, { withDist: false })[0]!.dir;
    original = readFileSync(join(dir, 'package.json'), 'utf8');
  });

  it('builds dist/ from the sources, packs the publish manifest and puts package.json back', async () => {
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const out = tempDir('tarball');
    const { report } = await pack(dir, { destination: out });
    expect(report.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/kd.js.map']),
    );
    const packed = JSON.parse(await fileInTarball(join(out, report.filename), 'package/package.json')) as Manifest;
    expect(packed).toEqual(publishManifest(JSON.parse(original)));
    expect(JSON.stringify(packed)).not.toContain('@kd/source');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(original);
    expect(existsSync(join(dir, BACKUP))).toBe(false);
  });

  it('puts back package.json from a backup an interrupted pack left, before anything else', async () => {
    writeFileSync(join(dir, BACKUP), original);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(publishManifest(JSON.parse(original)), null, 2)}\n`);
    const { result } = await pack(dir, { dryRun: true });
    expect(result.stderr + result.stdout).toContain('put back package.json from an interrupted pack');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(original);
    expect(existsSync(join(dir, BACKUP))).toBe(false);
  });
});
