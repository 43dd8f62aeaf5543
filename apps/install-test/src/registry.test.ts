import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanUp,
  describeResult,
  makeProject,
  node,
  npx,
  publishablePackages,
  publishWorkspace,
  startRegistry,
  writeProjectFile,
  type Project,
  type Published,
  type Registry,
} from '../test/index.js';

/** The config of apps/cli/test/kd.ts `tinyConfig()`: 256 MNIST digits, 1 epoch each. */
const TINY = `name: tiny
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: 256, val: 200, test: 200 }
teacher:
  arch: resnet8
  options: { width: 4 }
  train: { epochs: 1, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
student:
  arch: cnn
  options: { width: 2 }
train: { epochs: 1, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
methods:
  - id: kd
`;

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

  it('installs @kd/cli, @kd/method-kd and @kd/method-at into a new project', async () => {
    project = await timed('install', () =>
      makeProject(need(registry, 'the registry'), ['@kd/cli', '@kd/method-kd', '@kd/method-at']),
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

  it("the project's tf is kd's: after kd selects the wasm backend, the user's tf.getBackend() is 'wasm'", async () => {
    const p = need(project, 'the project');
    writeProjectFile(
      p,
      'same-tf.js',
      `import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@kd/tfjs-runtime';
const report = await selectBackend({ backend: 'wasm' });
const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
console.log(JSON.stringify({ kd: report.backend, user: tf.getBackend(), sum }));
`,
    );
    const r = await node(p, 'same-tf.js');
    expect(r.code, describeResult('node same-tf.js', r)).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ kd: 'wasm', user: 'wasm', sum: 3 });
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

  it('npx kd run trains the tiny MNIST config to the end and writes summary.json', async () => {
    const p = need(project, 'the project');
    writeProjectFile(p, 'tiny.yaml', TINY);
    const r = await timed('kd run', () => npx(p, ['kd', 'run', 'tiny.yaml', '--run-dir', 'runs/tiny']));
    expect(r.code, describeResult('npx kd run tiny.yaml', r)).toBe(0);
    expect(r.stdout).toMatch(/^teacher +resnet8 .* params {2}test accuracy \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^student +cnn .* params {2}test accuracy \d+\.\d\d% \(last\)/m);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, kd\.soft \d+\.\d{4}\)/m,
    );
    const summary = JSON.parse(readFileSync(join(p.dir, 'runs/tiny/summary.json'), 'utf8'));
    expect(summary.completed).toBe(true);
    expect(summary.methods).toEqual(['kd']);
  }, 600_000);
});
