import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError, findDataset, type SplitName } from '@kd/core';
import { encodePng, renderGrid, type PreviewTile } from '@kd/preview';
import { loadConfigFile } from '@kd/runner';
import type { Io } from '../io.js';
import { loadHost, pluginRequests } from '../plugins/index.js';

export interface PreviewFlags {
  readonly set: readonly string[];
  readonly split: SplitName;
  readonly count: number;
  readonly columns?: number;
  readonly out?: string;
}

/**
 * `kd data preview <config>`: the first `count` samples of a split of the config's dataset as one
 * PNG grid — raw images (before normalisation and augmentation) with their boxes, labels and text —
 * so a person can look at what the models see. Only the `data` part of the config is used.
 */
export async function dataPreviewCommand(configPath: string, flags: PreviewFlags, io: Io): Promise<string> {
  const config = loadConfigFile(configPath, flags.set);
  const { host } = await loadHost(pluginRequests(config));
  const dataset = await findDataset(host, config.data.dataset).load(config.data.options ?? {}, config.seed, {
    baseDir: config.baseDir,
  });
  const split = dataset.split(flags.split);
  if (!split.preview) throw new UserError(`dataset '${config.data.dataset}' cannot preview its samples`);
  const count = Math.min(flags.count, split.size);
  if (count === 0) throw new UserError(`the ${flags.split} split of '${dataset.name}' is empty`);
  const tiles: PreviewTile[] = [];
  for (let i = 0; i < count; i++) {
    const s = split.preview(i);
    const [h, w, c] = s.image.shape;
    tiles.push({
      image: { data: s.image.data, shape: c === 1 ? [h, w] : [h, w, c] },
      boxes: s.boxes?.map((b) => ({
        x: b.box[0],
        y: b.box[1],
        width: b.box[2] - b.box[0],
        height: b.box[3] - b.box[1],
        ...(b.classId !== undefined ? { classId: b.classId } : {}),
        ...(b.label !== undefined ? { label: b.label } : {}),
      })),
      lines: s.lines ? [...s.lines] : [],
    });
  }
  const title = `${dataset.name} | ${flags.split} | ${count} of ${split.size} | ${configPath}`; // the font is ASCII
  const png = encodePng(renderGrid(tiles, { title, ...(flags.columns ? { columns: flags.columns } : {}) }));
  const out = flags.out ?? join(config.outDir, `preview-${dataset.name}-${flags.split}.png`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, png);
  io.out(`wrote ${out} (${count} ${flags.split} samples of ${dataset.name})\n`);
  return out;
}
