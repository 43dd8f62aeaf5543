import { curveChart, type CurvePoint } from './charts/curve-chart.js';
import { axisTitle, plotted, unitOf } from './metric-units.js';
import { slug, type NamedChart } from './named-chart.js';
import { stagesOf, type RunRecord } from './run-record.js';

/** The total of a stage's objective is logged as `loss`; a chart's legend says so. */
export const TOTAL_LOSS = 'loss (total)';
export const termLabel = (term: string): string => (term === 'loss' ? TOTAL_LOSS : term);

const TERMS_SUBTITLE = 'mean over the epoch; the total is the weighted sum, each term unweighted';

/**
 * The charts of one run: per stage, every logged training term and the total per epoch (and the total
 * per step when the folder logs steps) and the val metrics per epoch (fractions in %, scores apart);
 * then the learning rate of every stage per step (per epoch for folders without step records).
 */
export function runCharts(run: RunRecord): NamedChart[] {
  const charts: NamedChart[] = [];
  const stages = stagesOf(run.epochs);
  for (const [i, stage] of stages.entries()) {
    const epochs = run.epochs.filter((e) => e.stage === stage);
    const id = (what: string) => `${String(i + 1).padStart(2, '0')}-${slug(stage)}-${what}`;
    const terms: CurvePoint[] = epochs.flatMap((e) =>
      Object.entries(e.train).map(([term, y]) => ({ x: e.epoch, series: termLabel(term), y })),
    );
    if (terms.length) {
      const title = `${stage}: training loss per epoch`;
      charts.push({
        id: id('train'),
        title,
        spec: curveChart({
          title,
          subtitle: TERMS_SUBTITLE,
          xTitle: 'epoch',
          yTitle: 'loss',
          seriesTitle: 'term',
          points: terms,
          integerX: true,
        }),
      });
    }
    const steps = run.steps.filter((s) => s.stage === stage);
    if (steps.length) {
      const title = `${stage}: total loss per step`;
      charts.push({
        id: id('steps'),
        title,
        spec: curveChart({
          title,
          xTitle: 'epoch',
          yTitle: 'loss',
          seriesTitle: 'term',
          points: steps.map((s) => ({ x: s.at, series: TOTAL_LOSS, y: s.loss })),
        }),
      });
    }
    for (const unit of ['fraction', 'score'] as const) {
      const points: CurvePoint[] = epochs.flatMap((e) =>
        Object.entries(e.val)
          .filter(([name]) => unitOf(run.summary, name) === unit)
          .map(([name, y]) => ({ x: e.epoch, series: name, y: plotted(unit, y) })),
      );
      if (points.length === 0) continue;
      const names = [...new Set(points.map((p) => p.series))];
      const title = `${stage}: val ${names.join(', ')} per epoch`;
      charts.push({
        id: id(`val-${unit}`),
        title,
        spec: curveChart({
          title,
          xTitle: 'epoch',
          yTitle: names.length === 1 ? axisTitle(names[0]!, unit) : unit === 'fraction' ? '%' : 'value',
          seriesTitle: 'metric',
          points,
          integerX: true,
        }),
      });
    }
  }
  // the schedule step by step where the folder logs steps (a warm-up or cosine shows its shape), else per epoch
  const stepLr: CurvePoint[] = run.steps.flatMap((s) =>
    s.lr === undefined ? [] : [{ x: s.at, series: s.stage, y: s.lr }],
  );
  const lr: CurvePoint[] = stepLr.length
    ? stepLr
    : run.epochs.flatMap((e) => (e.lr === undefined ? [] : [{ x: e.epoch, series: e.stage, y: e.lr }]));
  if (lr.length) {
    const title = stepLr.length ? 'learning rate per step' : 'learning rate per epoch';
    charts.push({
      id: 'lr',
      title,
      spec: curveChart({
        title,
        subtitle: stepLr.length
          ? "the main group's rate at each step"
          : "the main group's rate at the epoch's last step",
        xTitle: 'epoch',
        yTitle: 'learning rate',
        seriesTitle: 'stage',
        points: lr,
        integerX: stepLr.length === 0,
        yScale: 'linear',
      }),
    });
  }
  return charts;
}
