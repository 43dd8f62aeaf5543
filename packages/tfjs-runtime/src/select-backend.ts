import * as tf from '@tensorflow/tfjs';
import { lightenGradientSaves } from './engine/saved-tensors.js';
import { composedKernelsFor, registerComposedKernels } from './kernels/register.js';
import { nativeAddonReport, type NativeAddonStatus } from './native/addon.js';
import { nativeKernelBuild, type NativeKernelBuild } from './native/module.js';

export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** One candidate tried while choosing a backend. */
export type Candidate = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendAttempt {
  candidate: Candidate;
  ok: boolean;
  /** one-line reason when `ok` is false */
  error?: string;
  /** wall time spent on this candidate (import + initialisation), ms */
  ms: number;
}

/** Written into every run's environment record: plain JSON only. */
export interface BackendReport {
  requested: BackendRequest;
  /** the active tfjs backend name: 'tensorflow' | 'wasm' | 'cpu' */
  backend: string;
  attempts: BackendAttempt[];
  wasm?: { simd: boolean; threads: number };
  /** kernels of this package (native wasm or composed) registered for the chosen backend */
  kernels: string[];
  /** wasm only: which build of kd's kernels runs (relaxed-simd = wasm with fused multiply-add, native-… = the addon) */
  kernelBuild?: NativeKernelBuild;
  /** wasm only: whether the native addon runs the kernels (its CPU build, GEMM, threads), or why not */
  native?: NativeAddonStatus;
  tfjsVersion: string;
}

export interface SelectBackendOptions {
  backend?: BackendRequest;
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendRequest,
    readonly reason: string,
    readonly attempts: BackendAttempt[] = [],
  ) {
    super(`tfjs backend '${backend}' is unavailable: ${reason}`);
  }
}

// Package names live in variables so that neither tsc nor vite tries to resolve them.
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

export const CANDIDATE_PACKAGES: Readonly<Record<Candidate, string | undefined>> = {
  'tfjs-node-gpu': TFJS_NODE_GPU,
  'tfjs-node': TFJS_NODE,
  wasm: TFJS_WASM,
  cpu: undefined,
};

const CANDIDATE_BACKEND: Readonly<Record<Candidate, string>> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const PLAN: Readonly<Record<BackendRequest, Candidate[]>> = {
  auto: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'],
  // one backend ('tensorflow'), provided by either native package
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

/** Injection points, for tests. */
export interface SelectBackendDeps {
  importModule: (specifier: string) => Promise<unknown>;
}

const defaultDeps: SelectBackendDeps = {
  importModule: (specifier) => import(/* @vite-ignore */ specifier),
};

/** First line of an error message, trimmed, at most 300 characters. */
export function oneLine(err: unknown): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const first =
    raw
      .split(/\r?\n/)
      .map((s) => s.trim())
      .find((s) => s.length > 0) ?? 'unknown error';
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

async function activate(candidate: Candidate, deps: SelectBackendDeps): Promise<void> {
  const pkg = CANDIDATE_PACKAGES[candidate];
  if (pkg !== undefined) await deps.importModule(pkg);
  const name = CANDIDATE_BACKEND[candidate];
  if (tf.findBackendFactory(name) == null) {
    throw new Error(`${pkg ?? 'tfjs'} loaded but registered no '${name}' backend`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Error(`tf.setBackend('${name}') threw: ${oneLine(err)}`);
  }
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false (backend initialisation failed)`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`active backend is '${tf.getBackend()}' after setBackend('${name}')`);
}

async function wasmInfo(deps: SelectBackendDeps): Promise<{ simd: boolean; threads: number }> {
  let simd = false;
  try {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  } catch {
    simd = false;
  }
  let threads = 1;
  try {
    const mod = (await deps.importModule(TFJS_WASM)) as { getThreadsCount?: () => number };
    const n = mod.getThreadsCount?.();
    if (typeof n === 'number' && n > 0) threads = n;
  } catch {
    threads = 1;
  }
  return { simd, threads };
}

function tfjsVersion(): string {
  const v = (tf.version as Record<string, string | undefined>)['tfjs'];
  return v ?? tf.version_core;
}

/** `selectBackend` with injectable module loading (tests). */
export async function selectBackendWith(
  options: SelectBackendOptions,
  deps: SelectBackendDeps,
): Promise<BackendReport> {
  const requested: BackendRequest = options.backend ?? 'auto';
  const plan = PLAN[requested];
  if (!plan)
    throw new BackendUnavailableError(requested, `unknown backend (expected one of ${Object.keys(PLAN).join(', ')})`);
  const attempts: BackendAttempt[] = [];
  for (const candidate of plan) {
    const t0 = performance.now();
    try {
      await activate(candidate, deps);
      attempts.push({ candidate, ok: true, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      attempts.push({ candidate, ok: false, error: oneLine(err), ms: Math.round(performance.now() - t0) });
      continue;
    }
    lightenGradientSaves();
    const backend = tf.getBackend();
    const report: BackendReport = { requested, backend, attempts, kernels: [], tfjsVersion: tfjsVersion() };
    if (backend === 'wasm') {
      registerComposedKernels('wasm');
      report.kernels = composedKernelsFor('wasm');
      report.kernelBuild = nativeKernelBuild();
      report.native = nativeAddonReport();
      report.wasm = await wasmInfo(deps);
    }
    return report;
  }
  const why = attempts.map((a) => `${a.candidate}: ${a.error ?? 'failed'}`).join('; ');
  throw new BackendUnavailableError(requested, why, attempts);
}

/**
 * Choose and activate a TensorFlow.js backend. `auto` tries tfjs-node-gpu, tfjs-node, wasm,
 * then cpu; an explicit backend tries only that one and throws `BackendUnavailableError`.
 * When wasm is chosen, the native training kernels (and the composed ones it lacks) are registered.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendReport> {
  return selectBackendWith(options, defaultDeps);
}

function candidateStatus(a: BackendAttempt): string {
  const err = a.error ?? 'failed';
  const notInstalled =
    /cannot find (module|package)|failed to (load|resolve)|err_module_not_found|not found/i.test(err) &&
    !/native addon/i.test(err);
  return `${a.candidate}: ${notInstalled ? 'not installed' : err}`;
}

/**
 * One line for logs, e.g.
 * "wasm (simd, 1 thread; kd kernels (relaxed-simd): Conv2DBackpropInput, …); tfjs-node-gpu: not installed, tfjs-node: not installed"
 */
export function backendSummary(report: BackendReport): string {
  const details: string[] = [];
  if (report.wasm) {
    const t = report.wasm.threads;
    details.push(`${report.wasm.simd ? 'simd' : 'no simd'}, ${t} thread${t === 1 ? '' : 's'}`);
  }
  if (report.kernels.length > 0) {
    const build = report.kernelBuild ? ` (${report.kernelBuild})` : '';
    details.push(`kd kernels${build}: ${report.kernels.join(', ')}`);
  }
  const native = report.native;
  if (native?.state === 'used') {
    const t = native.threads ?? 1;
    details.push(
      `native addon: ${native.isa} (${native.tiles} tiles), ${native.gemm} GEMM, ${t} thread${t === 1 ? '' : 's'}`,
    );
  } else if (native) {
    details.push(`native addon not used: ${native.reason ?? native.state}`);
  }
  const head = details.length > 0 ? `${report.backend} (${details.join('; ')})` : report.backend;
  const failed = report.attempts.filter((a) => !a.ok).map(candidateStatus);
  const requested = report.requested === 'auto' ? '' : ` [requested ${report.requested}]`;
  return failed.length > 0 ? `${head}${requested}; ${failed.join(', ')}` : `${head}${requested}`;
}
