import type { StageEvent, TrainEvent } from '@kd/trainer';
import cliProgress from 'cli-progress';
import { epochLine, formatLoss, formatLr } from './format.js';
import type { Reporter } from './reporter.js';

interface StageBar {
  epochs: number;
  startEpoch: number;
  select?: StageEvent['select'];
  bar?: cliProgress.SingleBar;
  total?: number;
}

/** Training runs synchronously (the event loop is busy), so the bars are redrawn from the events. */
const REDRAW_MS = 150;

/**
 * Terminal progress: one cli-progress bar per stage on stderr (epoch/step, loss, lr, ETA), with
 * epoch summaries and status lines printed above the bars.
 */
export function barReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format:
        '{stage} |{bar}| {percentage}% | epoch {epoch}/{epochs} step {step}/{steps} | loss {loss} | lr {lr} | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 200,
      autopadding: true,
      gracefulExit: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const stages = new Map<string, StageBar>();
  let lastDraw = 0;
  const redraw = (force = false) => {
    const t = Date.now();
    if (!force && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    if (multi.isActive) multi.update();
  };
  const log = (line: string) => {
    if (multi.isActive) {
      multi.log(line + '\n');
      redraw(true);
    } else stream.write(line + '\n');
  };
  const events = (e: TrainEvent) => {
    switch (e.type) {
      case 'stage-start':
        stages.set(e.stage, { epochs: e.epochs, startEpoch: e.startEpoch ?? 1, select: e.select });
        if ((e.startEpoch ?? 1) > 1) log(`[${e.stage}] resuming at epoch ${e.startEpoch}/${e.epochs}`);
        break;
      case 'stage-skip':
        log(`[${e.stage}] finished earlier, skipped`);
        break;
      case 'step': {
        const s = stages.get(e.stage);
        if (!s) break;
        const payload = {
          stage: e.stage,
          epoch: e.epoch,
          epochs: s.epochs,
          step: e.step,
          steps: e.stepsPerEpoch,
          loss: formatLoss(e.loss),
          lr: formatLr(e.lr),
        };
        const value = (e.epoch - s.startEpoch) * e.stepsPerEpoch + e.step;
        if (!s.bar) {
          s.total = (s.epochs - s.startEpoch + 1) * e.stepsPerEpoch;
          s.bar = multi.create(s.total, value, payload);
        } else s.bar.update(value, payload);
        redraw();
        break;
      }
      case 'epoch':
        log(epochLine(e.record, stages.get(e.record.stage)?.epochs, stages.get(e.record.stage)?.select));
        break;
      case 'stage-end': {
        // Finished stages leave their epoch lines; the bar goes, so a sweep does not pile them up.
        const s = stages.get(e.stage);
        if (s?.bar) {
          s.bar.stop();
          multi.remove(s.bar);
        }
        stages.delete(e.stage);
        log(`[${e.stage}] done (${e.epochs} epoch${e.epochs === 1 ? '' : 's'})`);
        break;
      }
    }
  };
  return {
    events,
    log,
    close: () => {
      if (multi.isActive) multi.stop();
    },
  };
}
