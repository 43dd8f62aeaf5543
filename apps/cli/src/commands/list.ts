import {
  describeHParams,
  listArchitectures,
  listDatasets,
  listMethods,
  listTasks,
  type DependencyContainer,
  type HParamDoc,
  type MetricSpec,
} from '@kd/core';
import type { PluginPackage } from '../plugins/index.js';

/** What `kd list` shows. Built from descriptors only: listing creates no method instance. */
export interface Listing {
  readonly plugins: readonly { name: string; version: string; source: PluginPackage['source'] }[];
  readonly methods: readonly {
    id: string;
    title: string;
    description: string;
    paper: { title: string; authors: string; venue: string; year: number; url?: string };
    terms: readonly { name: string; defaultWeight: number; description: string }[];
    hparams: readonly HParamDoc[];
  }[];
  readonly tasks: readonly {
    id: string;
    title: string;
    description: string;
    terms: readonly { name: string; defaultWeight: number; description: string }[];
    metrics: readonly MetricSpec[];
    primary: string;
    hparams: readonly HParamDoc[];
  }[];
  readonly architectures: readonly { id: string; description: string }[];
  readonly datasets: readonly { id: string; description: string }[];
}

export function listing(host: DependencyContainer, plugins: readonly PluginPackage[]): Listing {
  return {
    plugins: plugins.map((p) => ({ name: p.name, version: p.version, source: p.source })),
    methods: listMethods(host).map((m) => ({
      id: m.id,
      title: m.title,
      description: m.description,
      paper: { ...m.paper },
      terms: m.terms.map((t) => ({ name: t.name, defaultWeight: t.defaultWeight, description: t.description })),
      hparams: describeHParams(m.hparams),
    })),
    tasks: listTasks(host).map((t) => ({
      id: t.id,
      title: t.title,
      description: t.description,
      terms: t.terms.map((x) => ({ name: x.name, defaultWeight: x.defaultWeight, description: x.description })),
      metrics: t.metrics.map((m) => ({ ...m })),
      primary: t.primary,
      hparams: describeHParams(t.hparams),
    })),
    architectures: listArchitectures(host).map((a) => ({ id: a.id, description: a.description })),
    datasets: listDatasets(host).map((d) => ({ id: d.id, description: d.description })),
  };
}

const show = (v: unknown) => (v === undefined ? '(required)' : JSON.stringify(v));

export function formatListing(l: Listing): string {
  const out: string[] = ['Methods'];
  if (!l.methods.length) out.push('  (none installed)');
  for (const m of l.methods) {
    out.push(`  ${m.id} — ${m.title}`);
    out.push(`    ${m.description}`);
    out.push(
      `    paper: ${m.paper.authors}, "${m.paper.title}", ${m.paper.venue} ${m.paper.year}${m.paper.url ? ` ${m.paper.url}` : ''}`,
    );
    out.push('    terms (methods[i].weights.<term>; 0 switches a term off):');
    const tw = Math.max(...m.terms.map((t) => t.name.length), 4);
    for (const t of m.terms)
      out.push(`      ${t.name.padEnd(tw)}  weight ${String(t.defaultWeight).padEnd(5)} ${t.description}`);
    out.push('    hyperparameters (methods[i].hparams.<name>):');
    if (!m.hparams.length) out.push('      (none)');
    const hw = Math.max(...m.hparams.map((h) => h.name.length), 4);
    const yw = Math.max(...m.hparams.map((h) => h.type.length), 4);
    for (const h of m.hparams)
      out.push(`      ${h.name.padEnd(hw)}  ${h.type.padEnd(yw)}  = ${show(h.default).padEnd(14)} ${h.description}`);
    out.push('');
  }
  out.push('Tasks (task.id; the dataset proposes one)');
  if (!l.tasks.length) out.push('  (none installed)');
  for (const t of l.tasks) {
    out.push(`  ${t.id} — ${t.title}`);
    out.push(`    ${t.description}`);
    out.push(
      `    terms (task.weights.<term>): ${t.terms.map((x) => `${x.name} (weight ${x.defaultWeight})`).join(', ')}`,
    );
    out.push(
      `    metrics: ${t.metrics.map((m) => `${m.name}${m.name === t.primary ? ' (primary)' : ''} [${m.unit}, ${m.higherIsBetter ? 'higher' : 'lower'} is better]`).join(', ')}`,
    );
    if (t.hparams.length)
      out.push(
        `    hyperparameters (task.hparams.<name>): ${t.hparams.map((h) => `${h.name} = ${show(h.default)}`).join(', ')}`,
      );
  }
  out.push('');
  const aw = Math.max(...l.architectures.map((a) => a.id.length), 4);
  out.push('Architectures');
  for (const a of l.architectures) out.push(`  ${a.id.padEnd(aw)}  ${a.description}`);
  out.push('', 'Datasets');
  const dw = Math.max(...l.datasets.map((d) => d.id.length), 4);
  for (const d of l.datasets) out.push(`  ${d.id.padEnd(dw)}  ${d.description}`);
  const origin = { installed: '', project: ' (this project)', named: ' (named)' } as const;
  out.push('', `Plugins: ${l.plugins.map((p) => `${p.name}${origin[p.source]}`).join(', ') || 'none'}`);
  return out.join('\n') + '\n';
}
