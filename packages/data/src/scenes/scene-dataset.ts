import {
  ANSWER_VOCABULARY,
  BASE_NOVEL_CLASSES,
  PREDICATE_NAMES,
  UserError,
  deriveSeed,
  facetEntry,
  facets,
  resolveConfigPath,
  z,
  type Batch,
  type BatchKeySpecs,
  type DataInfo,
  type DataSplit,
  type Dataset,
  type DatasetLoadContext,
  type Facets,
  type SamplePreview,
  type SplitName,
} from '@kd/core';
import { FASHION_MNIST_DEFAULT_DIR } from '../fashion-mnist/fashion-mnist-files.js';
import { loadFashionMnist } from '../fashion-mnist/fashion-mnist-provider.js';
import { FASHION_MNIST_CLASSES, loadFashionMnistArrays } from '../fashion-mnist/fashion-mnist-source.js';
import { loadMnist } from '../mnist/mnist-provider.js';
import { loadMnistArrays } from '../mnist/mnist-source.js';
import type { ArrayDataset } from '../array-dataset.js';
import { parseDatasetOptions } from '../options.js';
import {
  BIASED_PROPOSAL_CONFIG,
  DEFAULT_PROPOSAL_CONFIG,
  EDGE_PROPOSAL_CONFIG,
  type ProposalConfig,
} from '../proposals/proposal-config.js';
import { DEFAULT_SPLIT_SEED } from '../split.js';
import type { ItemSource } from './item-source.js';
import { mnistItemSource } from './mnist-item-source.js';
import { sceneBatchKeys } from './scene-batch.js';
import { SceneSet } from './scene-set.js';
import { PREDICATES } from './spatial-relations.js';

const positiveInt = z.number().int().positive();

export const sceneOptionsSchema = z
  .object({
    items: z.enum(['mnist', 'fashion-mnist']).default('mnist').describe('where the objects come from'),
    dir: z.string().min(1).default(FASHION_MNIST_DEFAULT_DIR).describe('Fashion-MNIST folder (items: fashion-mnist)'),
    size: positiveInt.default(64).describe('canvas side in pixels'),
    minObjects: positiveInt.default(1),
    maxObjects: positiveInt.max(20).default(4),
    minItemSize: positiveInt.default(16).describe('longer side of a pasted item, pixels'),
    maxItemSize: positiveInt.default(32),
    maxOverlap: z.number().min(0).max(1).default(0.1).describe('max IoU between two objects’ ink boxes'),
    novelClasses: z
      .array(z.number().int().min(0))
      .default([])
      .describe('classes kept in the images but removed from the annotations (ViLD base/novel)'),
    annotateNovel: z
      .boolean()
      .default(false)
      .describe(
        "keep the novel classes' annotations in the training batches (y, boxes, boxClasses, boxCount: every object) while the base/novel facet still names them novel: ViLD's oracle, supervised on base + novel",
      ),
    positionGrid: z.union([z.literal(2), z.literal(3)]).default(2),
    train: positiveInt.default(8000).describe('training scenes'),
    val: positiveInt.default(1000),
    test: positiveInt.default(1000),
    labels: z
      .enum(['multi-hot', 'class'])
      .default('multi-hot')
      .describe(
        "y: 'multi-hot' over classes (task multi-label), or 'class': the class of a scene's one object (needs minObjects = maxObjects = 1; task classification)",
      ),
    relationPairs: z
      .enum(['all', 'near'])
      .default('all')
      .describe(
        "which ordered pairs carry relation annotations (pairPredicate, pairPredicates): 'all' — every pair, every predicate that holds; 'near' — only pairs that are near or overlapping, as VRD (annotators label interacting, mostly close objects): the others are real pairs with no predicate, background for the relationships task",
      ),
    trainingPairs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "pairs per training scene and epoch, drawn by RVL-BERT's VRD sampler (TRAIN.SAMPLE_RELS, 32 in its configs): up to ¾ of them annotated pairs (drawn without replacement when there are more), the rest unannotated pairs as background (a draw already taken is rejected; more than 10 rejections in a row end it), shuffled; val/test batches keep every pair. 0: every pair",
      ),
    proposals: z
      .enum(['one', 'two', 'edges', 'none'])
      .default('two')
      .describe(
        "'one': the default source (jittered boxes around the objects + windows, like a detector trained with boxes; batch keys proposals…); 'two': it plus a differently biased one (also biasedProposals…); 'edges': edge density only, no box ever read (EdgeBoxes-like, for a weakly supervised teacher; batch keys proposals…); 'none'",
      ),
    splitSeed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(DEFAULT_SPLIT_SEED)
      .describe('seeds the item split and every scene'),
    cacheSize: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('scenes kept in memory per split (0: regenerate, which is fast)'),
  })
  .strict();

export type SceneDatasetOptions = z.input<typeof sceneOptionsSchema>;

/**
 * One split of a scene dataset: a `SceneSet` drawing its objects from that split's items only. A scene
 * has no single label (`labels` is undefined; `y` multi-hot) unless it holds one object and the
 * dataset gives class labels (`labels: 'class'`).
 */
export class SceneSplit implements DataSplit {
  readonly size: number;
  /** The annotations behind `y`, `boxes`, `boxClasses`, `boxCount`: 'base' (novel objects left out) or 'full'. */
  readonly annotations: 'base' | 'full';
  /** True when training batches draw their pairs (`trainingPairs`): a batch's pairs depend on its `augmentSeed`. */
  readonly augments: boolean;
  /** The class of each scene's one object with `labels: 'class'`; undefined for multi-hot scenes. */
  readonly labels?: Int32Array;

  constructor(
    readonly scenes: SceneSet,
    options: { annotations?: 'base' | 'full' } = {},
  ) {
    this.size = scenes.size;
    this.annotations = options.annotations ?? 'base';
    this.augments = scenes.trainingPairs > 0;
    if (scenes.labels === 'class')
      this.labels = Int32Array.from({ length: this.size }, (_, i) => scenes.get(i).objects[0]!.classId);
  }

  /** x [B,H,W,1], y multi-hot [B,K], boxes, pairs, proposals… (`sceneBatchKeys`; scenes/README.md). */
  batch(indices: Int32Array, options: { augmentSeed?: number } = {}): Batch {
    return this.scenes.batch(indices, { annotations: this.annotations, augmentSeed: options.augmentSeed });
  }

  preview(index: number): SamplePreview {
    const s = this.scenes.get(index);
    const question = s.questions[0];
    return {
      image: { data: s.image, shape: [s.height, s.width, 1] },
      boxes: s.full.objects.map((o) => ({
        box: o.box,
        classId: o.classId,
        label: o.novel ? `${o.className} (novel)` : o.className,
      })),
      lines: [s.caption, ...(question ? [`Q: ${question.text} A: ${question.answer}`] : [])],
    };
  }
}

export class SceneDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** Multi-hot scenes propose multi-label classification; one-object scenes with class labels, classification. */
  readonly task: string;
  readonly batchKeys: BatchKeySpecs;
  /** base/novel classes, the VQA answer vocabulary, the predicates of `pairPredicate`. */
  readonly facets: Facets;
  private readonly splits: Record<SplitName, SceneSplit>;

  constructor(info: DataInfo, splits: Record<SplitName, SceneSplit>) {
    this.name = info.name;
    this.inputShape = info.inputShape;
    this.numClasses = info.numClasses;
    this.classNames = info.classNames;
    this.splits = splits;
    const scenes = splits.train.scenes;
    this.task = scenes.labels === 'class' ? 'classification' : 'multi-label';
    const [height, width] = info.inputShape as [number, number, number];
    this.batchKeys = sceneBatchKeys({
      height,
      width,
      numClasses: info.numClasses,
      maxObjects: scenes.config.maxObjects,
      proposals: Object.fromEntries(Object.entries(scenes.proposalConfigs).map(([name, c]) => [name, c.topK])),
      labels: scenes.labels,
    });
    const novel = [...scenes.config.novelClasses].sort((a, b) => a - b);
    const base = Array.from({ length: info.numClasses }, (_, k) => k).filter((k) => !novel.includes(k));
    this.facets = facets(
      facetEntry(BASE_NOVEL_CLASSES, { base, novel }),
      facetEntry(ANSWER_VOCABULARY, scenes.answerVocabulary.answers),
      facetEntry(PREDICATE_NAMES, [...PREDICATES]),
    );
  }

  split(name: SplitName): SceneSplit {
    const s = (this.splits as Partial<Record<string, SceneSplit>>)[name];
    if (!s) throw new UserError(`dataset '${this.name}' has no split '${name}' (has: train, val, test)`);
    return s;
  }
}

/**
 * Scenes composed from MNIST or Fashion-MNIST items. The items are split first (the item dataset's
 * own stratified split), so train scenes contain only train items; each split's scenes are seeded
 * by (splitSeed, split) and regenerated on demand.
 */
export async function loadScenes(
  options: SceneDatasetOptions = {},
  context: DatasetLoadContext = {},
): Promise<SceneDataset> {
  const o = parseDatasetOptions(sceneOptionsSchema, options as Record<string, unknown>);
  if (o.minObjects > o.maxObjects)
    throw new UserError(`config field 'data.options.minObjects': ${o.minObjects} exceeds maxObjects ${o.maxObjects}`);
  if (o.labels === 'class' && (o.minObjects !== 1 || o.maxObjects !== 1 || o.novelClasses.length > 0)) {
    throw new UserError(
      "config field 'data.options.labels': 'class' needs one object per scene (minObjects: 1, maxObjects: 1) and no novelClasses",
    );
  }
  if (o.minItemSize > o.maxItemSize || o.maxItemSize > o.size) {
    throw new UserError(
      `config field 'data.options.maxItemSize': items must fit the canvas (minItemSize ≤ maxItemSize ≤ size)`,
    );
  }
  let source: ItemSource;
  let itemSplits: ArrayDataset;
  if (o.items === 'mnist') {
    source = mnistItemSource(await loadMnistArrays());
    itemSplits = await loadMnist({ splitSeed: o.splitSeed, normalize: false });
  } else {
    const dir = resolveConfigPath(context.baseDir, o.dir);
    const arrays = loadFashionMnistArrays(dir);
    source = {
      name: 'fashion-mnist',
      images: arrays.images,
      labels: arrays.labels,
      height: 28,
      width: 28,
      classNames: [...FASHION_MNIST_CLASSES],
    };
    itemSplits = loadFashionMnist({ dir, splitSeed: o.splitSeed, normalize: false });
  }
  for (const k of o.novelClasses) {
    if (k >= source.classNames.length)
      throw new UserError(
        `config field 'data.options.novelClasses': class ${k} outside [0, ${source.classNames.length})`,
      );
  }
  const proposals: Record<string, ProposalConfig> = {
    none: {},
    one: { '': DEFAULT_PROPOSAL_CONFIG },
    two: { '': DEFAULT_PROPOSAL_CONFIG, biased: BIASED_PROPOSAL_CONFIG },
    edges: { '': EDGE_PROPOSAL_CONFIG },
  }[o.proposals];
  // annotateNovel (ViLD's oracle): training batches annotate every object; val/test stay as without it
  // (the detection task evaluates on fullBoxes either way).
  const make = (name: SplitName, size: number) =>
    new SceneSplit(
      new SceneSet({
        source,
        size,
        seed: deriveSeed(o.splitSeed, 'scenes', name),
        proposals,
        labels: o.labels,
        relationPairs: o.relationPairs,
        trainingPairs: name === 'train' ? o.trainingPairs : 0,
        cacheSize: o.cacheSize,
        scene: {
          height: o.size,
          width: o.size,
          minObjects: o.minObjects,
          maxObjects: o.maxObjects,
          minItemSize: o.minItemSize,
          maxItemSize: o.maxItemSize,
          maxOverlap: o.maxOverlap,
          novelClasses: o.novelClasses,
          positionGrid: o.positionGrid,
          pool: itemSplits.split(name).sourceIndices,
        },
      }),
      { annotations: o.annotateNovel && name === 'train' ? 'full' : 'base' },
    );
  const info: DataInfo = {
    name: `scenes-${o.items}`,
    inputShape: [o.size, o.size, 1],
    numClasses: source.classNames.length,
    classNames: source.classNames,
  };
  return new SceneDataset(info, { train: make('train', o.train), val: make('val', o.val), test: make('test', o.test) });
}
