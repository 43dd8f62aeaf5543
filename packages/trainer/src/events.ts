import type { Metrics, MetricUnit } from '@kd/core';

/** What a stage reports while it runs; the CLI turns these into progress bars, log lines and metrics.jsonl. */
export interface StepEvent {
  readonly type: 'step';
  readonly stage: string;
  readonly epoch: number;
  readonly step: number; // within epoch, 1-based
  readonly stepsPerEpoch: number;
  readonly loss: number;
  readonly lr: number;
}

export interface EpochRecord {
  readonly stage: string;
  readonly epoch: number;
  readonly lr: number;
  /** Mean over the epoch of the total loss and of every term (unweighted), by name. */
  readonly train: Readonly<Record<string, number>>;
  /** The model's metrics on val after the epoch (the stage's evaluation; e.g. accuracy and loss). */
  readonly val?: Metrics;
  readonly seconds: number;
}

export interface EpochEvent {
  readonly type: 'epoch';
  readonly record: EpochRecord;
}

export interface StageEvent {
  readonly type: 'stage-start' | 'stage-end' | 'stage-skip';
  readonly stage: string;
  readonly epochs: number;
  readonly startEpoch?: number;
  /** On stage-start: the val metric that picks the best checkpoint (what progress shows per epoch). */
  readonly select?: { readonly metric: string; readonly unit: MetricUnit };
}

export type TrainEvent = StepEvent | EpochEvent | StageEvent;
export type EventSink = (event: TrainEvent) => void;
