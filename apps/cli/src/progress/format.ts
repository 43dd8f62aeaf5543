import { formatMetric } from '@kd/runner';
import type { EpochRecord, StageEvent } from '@kd/trainer';

/** `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toFixed(4) : String(loss);
}

export function formatLr(lr: number): string {
  return lr === 0 ? '0' : lr >= 1e-3 ? lr.toPrecision(3).replace(/\.?0+$/, '') : lr.toExponential(2);
}

/**
 * One line per finished epoch: `[distill] epoch 3/10  loss 0.1234 (task.ce 0.1, kd.soft 0.03)  val accuracy 98.10%  lr 0.05  12.3s`;
 * `select` (from the stage's start) names the val metric shown, else the first one.
 */
export function epochLine(record: EpochRecord, epochs: number | undefined, select?: StageEvent['select']): string {
  const metric = select?.metric ?? Object.keys(record.val ?? {})[0];
  const { loss, ...parts } = record.train;
  const terms = Object.entries(parts).map(([k, v]) => `${k} ${formatLoss(v)}`);
  return [
    `[${record.stage}] epoch ${record.epoch}${epochs ? `/${epochs}` : ''}`,
    `loss ${formatLoss(loss ?? NaN)}${terms.length > 1 || (terms.length === 1 && !parts['task.ce']) ? ` (${terms.join(', ')})` : ''}`,
    ...(record.val && metric
      ? [`val ${formatMetric({ name: metric, unit: select?.unit ?? 'fraction' }, record.val[metric])}`]
      : []),
    `lr ${formatLr(record.lr)}`,
    `${record.seconds.toFixed(1)}s`,
  ].join('  ');
}
