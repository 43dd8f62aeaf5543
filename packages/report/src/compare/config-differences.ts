/** A config path whose value is not the same in every run (`undefined`: the run's config has nothing there). */
export interface ConfigDifference {
  /** In `--set` syntax: `train.optimizer.lr`, `methods[0].id`, or a whole block (`teacher`). */
  readonly key: string;
  /** Each run's value: a scalar, or a whole block when that block is all that differs (see `configDifferences`). */
  readonly values: readonly unknown[];
}

type Kind = 'absent' | 'object' | 'array' | 'value';

const kindOf = (v: unknown): Kind =>
  v === undefined ? 'absent' : Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' ? 'object' : 'value';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The keys (or indices) of the blocks of one kind, in the order the configs list them. */
function childKeys(nodes: readonly unknown[], kind: 'object' | 'array'): string[] {
  if (kind === 'array') {
    const n = Math.max(...nodes.map((v) => (Array.isArray(v) ? v.length : 0)));
    return Array.from({ length: n }, (_, i) => String(i));
  }
  return [...new Set(nodes.flatMap((v) => (kindOf(v) === 'object' ? Object.keys(v as object) : [])))];
}

/**
 * Where configs differ, as paths in `--set` syntax (`train.optimizer.lr`, `methods[0].id`), `seed` first
 * (always, also when equal) and then in the order the configs list them. Blocks are compared the way a
 * reader would: a block the same in every run is left out; a block some runs lack (or have as a plain
 * value) but that is the same in all runs having it is one row holding the whole block (`teacher: —,
 * {…}` for the student alone vs KD, not its thirty settings); otherwise the walk goes down to the
 * settings that differ.
 */
export function configDifferences(configs: readonly unknown[]): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  const walk = (path: string, nodes: readonly unknown[]): void => {
    if (nodes.every((v) => same(v, nodes[0]))) return;
    const kinds = nodes.map(kindOf);
    const blockKinds = [...new Set(kinds.filter((k) => k === 'object' || k === 'array'))] as ('object' | 'array')[];
    const blocks = nodes.filter((_, i) => kinds[i] === 'object' || kinds[i] === 'array');
    const allBlocks = blocks.length === nodes.length;
    if (blockKinds.length !== 1 || (!allBlocks && blocks.every((b) => same(b, blocks[0])))) {
      // plain values that differ, blocks of different shapes, or one block some runs lack: one row
      out.push({ key: path, values: nodes });
      return;
    }
    // a plain value (null, a string) where the others have a block is a row of its own, then the block's settings
    if (kinds.includes('value'))
      out.push({ key: path, values: nodes.map((v, i) => (kinds[i] === 'value' ? v : undefined)) });
    const kind = blockKinds[0]!;
    for (const key of childKeys(nodes, kind)) {
      const child = nodes.map((v) => (kindOf(v) === kind ? (v as Record<string, unknown>)[key] : undefined));
      walk(kind === 'array' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`, child);
    }
  };
  const seed = {
    key: 'seed',
    values: configs.map((c) => (kindOf(c) === 'object' ? (c as Record<string, unknown>)['seed'] : undefined)),
  };
  walk('', configs);
  return [seed, ...out.filter((d) => d.key !== 'seed')];
}
