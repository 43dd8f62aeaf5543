import 'reflect-metadata';
import { container as rootContainer, Lifecycle, type DependencyContainer } from 'tsyringe';
import type { DatasetProvider } from '../contract/dataset.js';
import type { DistillationMethod, MethodDescriptor } from '../contract/method.js';
import type { ModelArchitecture } from '../contract/model.js';
import type { Task, TaskDescriptor } from '../contract/task.js';
import { UserError } from '../util/errors.js';
import { DATASET_PROVIDER, METHOD_DESCRIPTOR, MODEL_ARCHITECTURE, TASK_DESCRIPTOR } from './tokens.js';

/**
 * Plugin wiring. Every plugin package exports `register(container)` and has no import side effects.
 * The app makes one host container, registers every plugin into it, and only then creates one
 * child container per run; methods are ContainerScoped, so each run gets fresh instances.
 */
export type PluginRegister = (container: DependencyContainer) => void;

export function registerMethod(c: DependencyContainer, descriptor: MethodDescriptor): void {
  c.register(descriptor.impl, { useClass: descriptor.impl }, { lifecycle: Lifecycle.ContainerScoped });
  c.register(METHOD_DESCRIPTOR, { useValue: descriptor });
}

/** A task, like a method: its descriptor for listing, its class resolved fresh per run. */
export function registerTask(c: DependencyContainer, descriptor: TaskDescriptor): void {
  c.register(descriptor.impl, { useClass: descriptor.impl }, { lifecycle: Lifecycle.ContainerScoped });
  c.register(TASK_DESCRIPTOR, { useValue: descriptor });
}

export function registerArchitecture(c: DependencyContainer, arch: ModelArchitecture): void {
  c.register(MODEL_ARCHITECTURE, { useValue: arch });
}

export function registerDataset(c: DependencyContainer, provider: DatasetProvider): void {
  c.register(DATASET_PROVIDER, { useValue: provider });
}

/** A plugin's register function with the name it is known by (its package name or module path), for errors. */
export interface NamedPluginRegister {
  readonly name: string;
  readonly register: PluginRegister;
}

const KINDS = [
  ['method', METHOD_DESCRIPTOR as symbol],
  ['task', TASK_DESCRIPTOR as symbol],
  ['architecture', MODEL_ARCHITECTURE as symbol],
  ['dataset', DATASET_PROVIDER as symbol],
] as const;

/** Every id registered in `c` per kind, duplicates included. */
function registeredIds(c: DependencyContainer): Map<string, string[]> {
  return new Map(KINDS.map(([kind, token]) => [kind, all<{ id: string }>(c, token).map((x) => x.id)]));
}

/**
 * A fresh host container (child of the global one, so tests stay isolated) with the plugins
 * registered in order. Two plugins registering the same method, task, architecture or dataset id
 * is a one-line UserError naming both (whichever would win, the run would not be the one asked for).
 */
export function createHost(plugins: readonly (PluginRegister | NamedPluginRegister)[] = []): DependencyContainer {
  const host = rootContainer.createChildContainer();
  const owners = new Map<string, string>(); // `${kind} ${id}` → plugin name
  for (const [i, p] of plugins.entries()) {
    const { name, register } = typeof p === 'function' ? { name: `plugin #${i + 1}`, register: p } : p;
    const before = registeredIds(host);
    register(host);
    for (const [kind, ids] of registeredIds(host)) {
      const added = ids.slice(before.get(kind)!.length);
      for (const [k, id] of added.entries()) {
        const key = `${kind} ${id}`;
        const owner = owners.get(key) ?? (added.indexOf(id) < k ? name : undefined);
        if (owner === name) throw new UserError(`plugin ${name} registers ${kind} '${id}' twice`);
        if (owner !== undefined)
          throw new UserError(
            `${kind} '${id}' is registered by two plugins, ${owner} and ${name}: uninstall one or take it out of plugins:`,
          );
        owners.set(key, name);
      }
    }
  }
  return host;
}

function all<T>(c: DependencyContainer, token: symbol): T[] {
  return c.isRegistered(token, true) ? c.resolveAll<T>(token) : [];
}

function unique<T extends { id: string }>(items: T[], what: string): T[] {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.id)) throw new Error(`${what} '${i.id}' is registered twice`);
    seen.add(i.id);
  }
  return items.sort((a, b) => a.id.localeCompare(b.id));
}

export function listMethods(c: DependencyContainer): MethodDescriptor[] {
  return unique(all<MethodDescriptor>(c, METHOD_DESCRIPTOR as symbol), 'method');
}

export function listTasks(c: DependencyContainer): TaskDescriptor[] {
  return unique(all<TaskDescriptor>(c, TASK_DESCRIPTOR as symbol), 'task');
}

export function listArchitectures(c: DependencyContainer): ModelArchitecture[] {
  return unique(all<ModelArchitecture>(c, MODEL_ARCHITECTURE as symbol), 'architecture');
}

export function listDatasets(c: DependencyContainer): DatasetProvider[] {
  return unique(all<DatasetProvider>(c, DATASET_PROVIDER as symbol), 'dataset');
}

function find<T extends { id: string }>(items: T[], id: string, what: string): T {
  const hit = items.find((i) => i.id === id);
  if (!hit) throw new UserError(`unknown ${what} '${id}' (installed: ${items.map((i) => i.id).join(', ') || 'none'})`);
  return hit;
}

export const findMethod = (c: DependencyContainer, id: string) => find(listMethods(c), id, 'method');
export const findArchitecture = (c: DependencyContainer, id: string) => find(listArchitectures(c), id, 'architecture');
export const findDataset = (c: DependencyContainer, id: string) => find(listDatasets(c), id, 'dataset');
export const findTask = (c: DependencyContainer, id: string) => find(listTasks(c), id, 'task');

/** One run's container: a child of the host, with fresh ContainerScoped method instances. */
export function createRunContainer(host: DependencyContainer): DependencyContainer {
  return host.createChildContainer();
}

/** Resolves a method instance inside a run container. */
export function resolveMethod(
  run: DependencyContainer,
  id: string,
): { descriptor: MethodDescriptor; method: DistillationMethod<any> } {
  const descriptor = findMethod(run, id);
  return { descriptor, method: run.resolve(descriptor.impl) };
}

/** Resolves a task instance inside a run container. */
export function resolveTask(run: DependencyContainer, id: string): { descriptor: TaskDescriptor; task: Task<any> } {
  const descriptor = findTask(run, id);
  return { descriptor, task: run.resolve(descriptor.impl) };
}
