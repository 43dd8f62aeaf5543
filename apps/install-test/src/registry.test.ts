import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanUp,
  describeResult,
  makeProject,
  node,
  npm,
  npx,
  publishablePackages,
  publishFolder,
  publishWorkspace,
  README,
  readmeBlock,
  readmeCommands,
  ROOT,
  stageExample,
  startRegistry,
  writeProjectFile,
  type Project,
  type Published,
  type Registry,
  type Result,
} from '../test/index.js';

/** The README's "Use kd in your project" steps, in order: each ```sh block as commands. */
const SETUP = readmeCommands('mkdir my-kd');
const OWN_MODEL = readmeCommands('npm install @kd/core');
const PLUGIN = readmeCommands('npm install @mylab/kd-plugin-example');
const TYPESCRIPT = readmeCommands('npm install -D typescript');

/** Runs one README command in the project (`npx` never downloads; `node` runs the user's file). */
function step(p: Project, [command, ...args]: string[]): Promise<Result> {
  if (command === 'npm') return npm(p, args);
  if (command === 'npx') return npx(p, args, 600_000);
  if (command === 'node') return node(p, args[0]!, args.slice(1));
  throw new Error(`the test does not know how to run README command ${command}`);
}

/** The run folder a `kd run` printed. */
const runFolder = (r: Result) => r.stdout.match(/^run folder: (.+)$/m)?.[1];

/** Every folder named `name` (e.g. "@tensorflow/tfjs") under the project's node_modules, nested ones too. */
function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    if (existsSync(join(modules, name, 'package.json'))) found.push(join(modules, name));
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const inner = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((e) => join(entry, e)) : [entry];
      for (const pkg of inner) walk(join(modules, pkg, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

const timings: Record<string, number> = {};
async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    timings[step] = Date.now() - t0;
  }
}

/**
 * kd as a user gets it: the workspace published to a local registry (verdaccio), a fresh project
 * outside the repository that installs the CLI and two methods from it, then `kd list` and a run.
 */
describe('kd installed from a registry into a fresh project', () => {
  let registry: Registry | undefined;
  let published: Published[] = [];
  let project: Project | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is missing: an earlier step failed`);
    return value;
  };

  afterAll(async () => {
    await registry?.stop();
    await cleanUp();
    console.log(`install test timings (ms): ${JSON.stringify(timings)}`);
    mkdirSync(join(import.meta.dirname, '../reports'), { recursive: true });
    writeFileSync(
      join(import.meta.dirname, '../reports/registry-timings.json'),
      `${JSON.stringify(timings, null, 2)}\n`,
    );
  });

  // generous limits per step: publishing and installing go through the network (proxied packages)
  it('starts a registry on loopback that serves @kd packages itself and proxies the rest', async () => {
    registry = await timed('registry start', () => startRegistry());
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const ping = await fetch(`${registry.url}-/ping`);
    expect(ping.status).toBe(200);
    // nothing in @kd is served before it is published here (the scope is never proxied)
    expect((await fetch(`${registry.url}@kd%2fcore`)).status).toBe(404);
  }, 120_000);

  it('publishes every publishable workspace package with npm publish', async () => {
    // KD_INSTALL_TEST_BUILD=1: prepack builds every package again (about 2 minutes more on 2 cores)
    const build = process.env.KD_INSTALL_TEST_BUILD === '1';
    published = await timed('publish', () => publishWorkspace(need(registry, 'the registry'), { build }));
    expect(published.map((p) => p.name)).toEqual(
      publishablePackages()
        .map((p) => p.name)
        .sort(),
    );
    // npm had nothing to correct in any manifest (it would publish something else than the repository says)
    expect(published.flatMap((p) => p.warnings.map((w) => `${p.name}: ${w}`))).toEqual([]);
    const view = await fetch(`${registry!.url}@kd%2fcore`);
    const packument = (await view.json()) as {
      versions: Record<string, { exports: unknown; peerDependencies?: unknown }>;
    };
    const core = packument.versions['0.1.0']!;
    expect(JSON.stringify(core.exports)).not.toContain('@kd/source');
  }, 900_000);

  it('installs @kd/cli, @kd/method-kd and @kd/method-at into a new project (README: mkdir my-kd … npm install)', async () => {
    expect(SETUP.slice(0, 4)).toEqual([
      ['mkdir', 'my-kd'],
      ['cd', 'my-kd'],
      ['npm', 'init', '-y'],
      ['npm', 'pkg', 'set', 'type=module'],
    ]);
    const install = SETUP[4]!;
    expect(install.slice(0, 2)).toEqual(['npm', 'install']);
    expect(install.slice(2)).toEqual(['@kd/cli', '@kd/method-kd', '@kd/method-at']);
    project = await timed('install', () =>
      makeProject(need(registry, 'the registry'), install.slice(2), { name: 'my-kd' }),
    );
    const manifest = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8'));
    expect(manifest.type).toBe('module');
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@kd/cli', '@kd/method-at', '@kd/method-kd']);
    const core = JSON.parse(readFileSync(join(project.dir, 'node_modules/@kd/core/package.json'), 'utf8'));
    expect(JSON.stringify(core)).not.toContain('@kd/source');
    expect(existsSync(join(project.dir, 'node_modules/@kd/core/dist/index.js'))).toBe(true);
    expect(existsSync(join(project.dir, 'node_modules/@kd/core/src'))).toBe(false);
    // only what the user asked for and what the CLI needs: no other method
    const kd = readdirSync(join(project.dir, 'node_modules/@kd')).filter((n) => n.startsWith('method-'));
    expect(kd.sort()).toEqual(['method-at', 'method-kd']);
  }, 900_000);

  it('installs TensorFlow.js once: the project and kd resolve the same @tensorflow/tfjs and tfjs-core', () => {
    const dir = need(project, 'the project').dir;
    expect(installedCopies(dir, '@tensorflow/tfjs')).toEqual([join(dir, 'node_modules/@tensorflow/tfjs')]);
    expect(installedCopies(dir, '@tensorflow/tfjs-core')).toEqual([join(dir, 'node_modules/@tensorflow/tfjs-core')]);
    expect(installedCopies(dir, '@kd/core')).toEqual([join(dir, 'node_modules/@kd/core')]);
    const fromProject = createRequire(join(dir, 'package.json')).resolve('@tensorflow/tfjs');
    for (const kdPackage of ['@kd/core', '@kd/tfjs-runtime', '@kd/cli', '@kd/method-kd']) {
      const from = createRequire(join(dir, 'node_modules', kdPackage, 'package.json'));
      expect(from.resolve('@tensorflow/tfjs'), kdPackage).toBe(fromProject);
    }
  });

  it("the project's tf is kd's: after kd selects the wasm backend, the user's tf.getBackend() is 'wasm', with the native addon built at install", async () => {
    const p = need(project, 'the project');
    writeProjectFile(
      p,
      'same-tf.js',
      `import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@kd/tfjs-runtime';
const report = await selectBackend({ backend: 'wasm' });
const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
console.log(JSON.stringify({ kd: report.backend, user: tf.getBackend(), sum, native: report.native?.state }));
`,
    );
    const r = await node(p, 'same-tf.js');
    expect(r.code, describeResult('node same-tf.js', r)).toBe(0);
    // @kd/native-kernels (a dependency of @kd/tfjs-runtime) built its addon at npm install in the
    // project, unless the build is switched off (KD_NATIVE_BUILD=0, the "no compiler" case): then wasm
    const native = process.env.KD_NATIVE_BUILD === '0' ? 'unavailable' : 'used';
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ kd: 'wasm', user: 'wasm', sum: 3, native });
  }, 300_000);

  it('npx kd list shows exactly the installed methods (at, kd), with tasks, architectures and datasets', async () => {
    const p = need(project, 'the project');
    const r = await timed('kd list', () => npx(p, ['kd', 'list', '--json']));
    expect(r.code, describeResult('npx kd list --json', r)).toBe(0);
    const listing = JSON.parse(r.stdout) as Record<
      'methods' | 'tasks' | 'architectures' | 'datasets',
      { id: string }[]
    >;
    expect(listing.methods.map((m) => m.id)).toEqual(['at', 'kd']);
    expect(listing.tasks.map((t) => t.id)).toContain('classification');
    expect(listing.architectures.map((a) => a.id)).toEqual(expect.arrayContaining(['resnet8', 'cnn']));
    expect(listing.datasets.map((d) => d.id)).toEqual(expect.arrayContaining(['mnist']));
    const text = await npx(p, ['kd', 'list']);
    expect(text.code, describeResult('npx kd list', text)).toBe(0);
    expect(text.stdout).toMatch(/^ {2}at — /m);
    expect(text.stdout).toMatch(/^ {2}kd — /m);
    expect(text.stdout).not.toMatch(/^ {2}fitnet — /m);
  }, 300_000);

  it("npx kd run tiny.yaml (the README's config) trains teacher and student to the end", async () => {
    const p = need(project, 'the project');
    expect(SETUP.slice(5)).toEqual([
      ['npx', 'kd', 'list'],
      ['npx', 'kd', 'run', 'tiny.yaml'],
    ]);
    writeProjectFile(p, 'tiny.yaml', readmeBlock('yaml', '# tiny.yaml'));
    const r = await timed('kd run', () => step(p, SETUP[6]!));
    expect(r.code, describeResult('npx kd run tiny.yaml', r)).toBe(0);
    expect(r.stdout).toMatch(/^teacher +resnet8 .* params {2}test accuracy \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^student +cnn .* params {2}test accuracy \d+\.\d\d% \(last\)/m);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 3\/3 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, kd\.soft \d+\.\d{4}\)/m,
    );
    const summary = JSON.parse(readFileSync(join(p.dir, runFolder(r)!, 'summary.json'), 'utf8'));
    expect(summary.completed).toBe(true);
    expect(summary.methods).toEqual(['kd']);
  });

  it('your own model: the project becomes a plugin and kd list shows its architecture (README: my-model.js)', async () => {
    const p = need(project, 'the project');
    writeProjectFile(
      p,
      'my-model.js',
      readmeBlock('js', "// my-model.js — the project's own model, registered as architecture my-cnn"),
    );
    const results: Result[] = [];
    for (const command of OWN_MODEL) {
      const r = await step(p, command);
      expect(r.code, describeResult(command.join(' '), r)).toBe(0);
      results.push(r);
    }
    const manifest = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'my-kd', kd: { plugin: true }, exports: './my-model.js' });
    const list = results.at(-1)!.stdout;
    expect(list).toMatch(/^ {2}my-cnn +my small CNN \(tf\.layers\)/m);
    expect(list).toMatch(/^Plugins: .*my-kd \(this project\)$/m);
  });

  it('a third-party plugin from the registry: its method, architecture and dataset with your model as student (README: bars.yaml)', async () => {
    const p = need(project, 'the project');
    const example = stageExample(join(ROOT, 'examples', 'kd-plugin-example'));
    const pub = await timed('publish example plugin', () => publishFolder(need(registry, 'the registry'), example));
    expect(pub.code, describeResult('npm publish (examples/kd-plugin-example)', pub)).toBe(0);
    writeProjectFile(p, 'bars.yaml', readmeBlock('yaml', '# bars.yaml'));
    const [install, runBars] = PLUGIN;
    expect(runBars).toEqual(['npx', 'kd', 'run', 'bars.yaml']);
    const i = await timed('install example plugin', () => step(p, install!));
    expect(i.code, describeResult(install!.join(' '), i)).toBe(0);

    const l = await npx(p, ['kd', 'list', '--json']);
    expect(l.code, describeResult('npx kd list --json', l)).toBe(0);
    const listing = JSON.parse(l.stdout) as Record<
      'methods' | 'architectures' | 'datasets' | 'plugins',
      { id: string; name: string }[]
    >;
    expect(listing.methods.map((m) => m.id)).toEqual(['at', 'kd', 'logit-l2']);
    expect(listing.architectures.map((a) => a.id)).toEqual(
      expect.arrayContaining(['my-cnn', 'mylab-net', 'mylab-mlp', 'cnn']),
    );
    expect(listing.datasets.map((d) => d.id)).toEqual(expect.arrayContaining(['mylab-bars', 'mnist']));
    expect(listing.plugins.map((x) => x.name)).toEqual(expect.arrayContaining(['@mylab/kd-plugin-example', 'my-kd']));

    const r = await timed('kd run bars', () => step(p, runBars!));
    expect(r.code, describeResult('npx kd run bars.yaml', r)).toBe(0);
    expect(r.stdout).toMatch(/^teacher +mylab-net .* params {2}test accuracy \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^student +my-cnn .* params {2}test accuracy \d+\.\d\d% \(last\)/m);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 3\/3 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, logit-l2\.l2 \d+\.\d{4}\)/m,
    );
    const summary = JSON.parse(readFileSync(join(p.dir, runFolder(r)!, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ completed: true, methods: ['logit-l2'], student: { arch: 'my-cnn' } });
    expect(summary.student.test.last.accuracy).toBeGreaterThan(0.5); // 4 classes: it learned
  });

  it('kd from code: the README TypeScript example compiles with its tsconfig and runs (a run with events, a sweep)', async () => {
    const p = need(project, 'the project');
    const tsconfig = README.match(/`(\{"compilerOptions": [^`]*\})`/)?.[1];
    expect(tsconfig, 'the README names the tsconfig').toBeDefined();
    writeProjectFile(p, 'tsconfig.json', tsconfig!);
    writeProjectFile(p, 'train.ts', readmeBlock('ts', '// train.ts'));
    const [install, compile, start] = TYPESCRIPT;
    expect([compile, start]).toEqual([
      ['npx', 'tsc'],
      ['node', 'train.js'],
    ]);
    const i = await timed('install typescript', () => step(p, install!));
    expect(i.code, describeResult(install!.join(' '), i)).toBe(0);
    const c = await timed('tsc', () => step(p, compile!));
    expect(c.code, describeResult('npx tsc', c)).toBe(0);
    const r = await timed('node train.js', () => step(p, start!));
    expect(r.code, describeResult('node train.js', r)).toBe(0);
    // the teacher is tiny.yaml's, trained by the run above and taken from the project's cache: no teacher-train epochs
    expect(r.stdout).not.toMatch(/^teacher-train /m);
    expect(r.stdout).toMatch(/^distill epoch 3: loss \d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/^student test accuracy \d+\.\d\d % \(runs\/from-code-s1-\d{8}-\d{6}\)$/m);
    expect(r.stdout).toMatch(/^\| `methods\[0\]\.hparams\.T=2` \| +1 \| +\d+\.\d\d \|/m);
    expect(r.stdout).toMatch(/^\| `methods\[0\]\.hparams\.T=4` \| +1 \| +\d+\.\d\d \|/m);
  });
});
