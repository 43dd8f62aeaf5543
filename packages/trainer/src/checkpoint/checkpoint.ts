import type * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTensors, writeTensors } from './tensor-file.js';

/**
 * A training checkpoint: model/aux variables, optimizer state, method state, and a JSON part with
 * epoch, history and everything else needed to resume exactly. Written to a temporary folder and
 * renamed, so a crash never leaves a half-written checkpoint behind.
 */
export interface CheckpointData<S> {
  variables: Record<string, tf.Tensor>;
  optimizer: Record<string, tf.Tensor>;
  method: Record<string, tf.Tensor>;
  state: S;
}

export function saveCheckpoint<S>(dir: string, data: CheckpointData<S>): void {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeTensors(tmp, 'variables', data.variables);
  writeTensors(tmp, 'optimizer', data.optimizer);
  writeTensors(tmp, 'method', data.method);
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(data.state, null, 1));
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, 'state.json'));
}

export function loadCheckpoint<S>(dir: string): CheckpointData<S> {
  return {
    variables: readTensors(dir, 'variables'),
    optimizer: readTensors(dir, 'optimizer'),
    method: readTensors(dir, 'method'),
    state: JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as S,
  };
}

export function disposeCheckpoint(data: CheckpointData<unknown>): void {
  for (const group of [data.variables, data.optimizer, data.method]) for (const t of Object.values(group)) t.dispose();
}
