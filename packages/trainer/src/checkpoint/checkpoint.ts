import type * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@kd/core';
import { replaceDir } from './atomic-dir.js';
import { readTensors, writeTensors } from './tensor-file.js';

/**
 * A training checkpoint: model/aux variables, optimizer state, method state, and a JSON part with
 * epoch, history and everything else needed to resume exactly. The folder is replaced atomically
 * (`replaceDir`): a crash at any point leaves a complete checkpoint (`recoverDir` finds it).
 */
export interface CheckpointData<S> {
  variables: Record<string, tf.Tensor>;
  optimizer: Record<string, tf.Tensor>;
  method: Record<string, tf.Tensor>;
  state: S;
}

export function saveCheckpoint<S>(dir: string, data: CheckpointData<S>): void {
  replaceDir(dir, (tmp) => {
    writeTensors(tmp, 'variables', data.variables);
    writeTensors(tmp, 'optimizer', data.optimizer);
    writeTensors(tmp, 'method', data.method);
    writeFileSync(join(tmp, 'state.json'), JSON.stringify(data.state, null, 1));
  });
}

/**
 * A complete checkpoint folder written before completion markers existed: the first checkpoints wrote
 * `state.json` last, after every tensor file, so its presence beside them means the write finished.
 */
export function isLegacyCheckpoint(dir: string): boolean {
  return (
    ['variables', 'optimizer', 'method'].every(
      (b) => existsSync(join(dir, `${b}.json`)) && existsSync(join(dir, `${b}.bin`)),
    ) && existsSync(join(dir, 'state.json'))
  );
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, 'state.json'));
}

export function loadCheckpoint<S>(dir: string): CheckpointData<S> {
  const statePath = join(dir, 'state.json');
  let state: S;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as S;
  } catch (e) {
    throw new UserError(`${statePath}: damaged checkpoint (${(e as NodeJS.ErrnoException).code ?? 'not valid JSON'})`);
  }
  const parts: Record<string, tf.Tensor>[] = [];
  try {
    for (const base of ['variables', 'optimizer', 'method']) parts.push(readTensors(dir, base));
  } catch (e) {
    for (const p of parts) for (const t of Object.values(p)) t.dispose();
    throw e;
  }
  const [variables, optimizer, method] = parts as [
    Record<string, tf.Tensor>,
    Record<string, tf.Tensor>,
    Record<string, tf.Tensor>,
  ];
  return { variables, optimizer, method, state };
}

export function disposeCheckpoint(data: CheckpointData<unknown>): void {
  for (const group of [data.variables, data.optimizer, data.method]) for (const t of Object.values(group)) t.dispose();
}
