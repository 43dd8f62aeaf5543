#!/usr/bin/env node
// Builds the addon (build/kd_native.node) from csrc/ with the machine's C compiler; runs at
// `npm install` / `npm ci`. It never fails the install: when it cannot build (no compiler, no Node
// headers, not x86-64, KD_NATIVE_BUILD=0) it says why in one line and in build/status.json, and
// kd runs on its wasm kernels.
//
// No node-gyp: it would try to download Node's headers (no network here) unless told where they
// are; the headers Node ships (<prefix>/include/node) are found directly. No -march=native: the
// FMA kernels are one file compiled with -mavx2 -mfma and chosen at load time by the CPU's flags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const csrc = join(root, 'csrc');
// KD_NATIVE_OUT: build elsewhere (the package's tests), leaving the installed addon alone
const out = process.env.KD_NATIVE_OUT ? resolve(process.env.KD_NATIVE_OUT) : join(root, 'build');
const addon = join(out, 'kd_native.node');
const started = Date.now();

function finish(built, reason, extra = {}) {
  mkdirSync(out, { recursive: true });
  const status = { built, reason, node: process.version, ms: Date.now() - started, ...extra };
  writeFileSync(join(out, 'status.json'), `${JSON.stringify(status, null, 2)}\n`);
  console.log(
    built
      ? `@kd/native-kernels: built ${addon} (${status.ms} ms)`
      : `@kd/native-kernels: not built (${reason}); kd uses its wasm kernels`,
  );
  process.exit(0);
}

function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    resolve(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

rmSync(addon, { force: true });
if (process.env.KD_NATIVE_BUILD === '0') finish(false, 'KD_NATIVE_BUILD=0');
if (process.arch !== 'x64' || !['linux', 'darwin'].includes(process.platform)) {
  finish(false, `only x86-64 Linux and macOS are supported, this is ${process.platform}-${process.arch}`);
}
const headers = nodeHeaders();
if (!headers) finish(false, "Node's headers (node_api.h) were not found; set npm_config_nodedir");
const cc = process.env.CC || 'cc';

// -ffp-contract=off: only the kernels' explicit multiply-adds fuse, as in the wasm builds.
const common = ['-O3', '-std=gnu11', '-fPIC', '-fvisibility=hidden', '-ffp-contract=off', '-Wall', '-Wextra'];
// The AVX-512 tiles need a compiler that knows -mavx512f; without one the addon is built without them.
const avx512 = spawnSync(cc, ['-mavx512f', '-x', 'c', '-c', '-o', '/dev/null', '-'], { input: 'int x;', encoding: 'utf8' });
const withAvx512 = !avx512.error && avx512.status === 0;
const units = [
  ['kernels_fma.c', ['-mavx2', '-mfma', '-Wno-unused-parameter']],
  ...(withAvx512 ? [['kernels_fma_avx512.c', ['-mavx512f', '-mavx2', '-mfma', '-Wno-unused-parameter']]] : []),
  ['kernels_sse2.c', ['-Wno-unused-parameter']],
  ['blas.c', []],
  ['pool.c', []],
  ['addon.c', [`-I${headers}`, ...(withAvx512 ? [] : ['-DKD_NO_AVX512_TILES'])]],
];
mkdirSync(out, { recursive: true });
const objects = [];
for (const [file, flags] of units) {
  const object = join(out, file.replace(/\.c$/, '.o'));
  const r = spawnSync(cc, [...common, ...flags, '-c', join(csrc, file), '-o', object], { encoding: 'utf8' });
  if (r.error) finish(false, `the C compiler '${cc}' could not run (${r.error.code ?? r.error.message})`);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    finish(false, `'${cc}' failed on csrc/${file}`, { compiler: cc });
  }
  objects.push(object);
}
const linkFlags =
  process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-ldl', '-lpthread'];
const link = spawnSync(cc, [...objects, ...linkFlags, '-o', addon], { encoding: 'utf8' });
if (link.error || link.status !== 0) {
  process.stderr.write(link.stderr ?? '');
  finish(false, `'${cc}' could not link the addon`, { compiler: cc });
}
for (const object of objects) rmSync(object, { force: true });
finish(true, '', { compiler: cc, headers, avx512Tiles: withAvx512 });
