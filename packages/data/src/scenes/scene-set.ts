import type { Batch } from '@kd/core';
import { deriveSeed } from '@kd/core';
import { edgeMap } from '../proposals/edge-map.js';
import { DEFAULT_PROPOSAL_CONFIG, validateProposalConfig, type ProposalConfig } from '../proposals/proposal-config.js';
import { proposals, type RegionProposals } from '../proposals/proposals.js';
import type { AnswerVocabulary } from './answer-vocabulary.js';
import { generateScene } from './generate-scene.js';
import type { ItemSource } from './item-source.js';
import type { Scene } from './scene.js';
import {
  OBJECT_REGIONS,
  sceneBatch,
  type BatchProposals,
  type RelationPairs,
  type SceneLabels,
} from './scene-batch.js';
import { resolveSceneConfig, type ResolvedSceneConfig, type SceneConfigInput } from './scene-config.js';

export interface SceneSetOptions {
  readonly source: ItemSource;
  /** Number of scenes; valid indices are 0…size−1. */
  readonly size: number;
  /** Seeds every scene (`generateScene(source, scene, seed, index)`) and every proposal source. */
  readonly seed: number;
  /** Scene composition; use disjoint `pool`s (item indices) for train/val/test sets. */
  readonly scene?: SceneConfigInput;
  /**
   * Proposal sources by name: '' is the primary (batch keys `proposals`, `proposalScores`,
   * `proposalMask`), any other name n gives `nProposals`, … (see `proposalKeys`). Default
   * `{ '': DEFAULT_PROPOSAL_CONFIG }`; `{}` for no proposals. For DistillVLM:
   * `{ '': DEFAULT_PROPOSAL_CONFIG, student: BIASED_PROPOSAL_CONFIG }`.
   */
  readonly proposals?: Readonly<Record<string, ProposalConfig>>;
  /** `y` of a batch: multi-hot (default) or, for one-object scenes, the object's class (`SceneLabels`). */
  readonly labels?: SceneLabels;
  /** Which pairs carry relation annotations in batches (`RelationPairs`); default 'all'. */
  readonly relationPairs?: RelationPairs;
  /**
   * Pairs per scene drawn by RVL-BERT's VRD training sampler (`sampleTrainingPairs`) in the batches that
   * get an `augmentSeed` (training batches, a new draw each epoch); 0 (default): every pair.
   */
  readonly trainingPairs?: number;
  /** Scenes (with their proposals) kept in memory, least recently used evicted first; 0 (default) = none. */
  readonly cacheSize?: number;
}

interface Entry {
  readonly scene: Scene;
  readonly proposals: Map<string, RegionProposals>;
}

/**
 * A fixed, indexable family of generated scenes: `get(i)` is `generateScene(source, scene, seed, i)`
 * and `proposals(i, name)` is `proposals(get(i), config, deriveSeed(seed, 'proposal-source', name))`,
 * both pure functions of the options and i (the cache only saves time). `batch(indices)` builds the
 * tensors of `sceneBatch`; relations, questions and captions are plain data on the scenes.
 */
export class SceneSet {
  readonly size: number;
  readonly seed: number;
  readonly source: ItemSource;
  readonly config: ResolvedSceneConfig;
  readonly proposalConfigs: Readonly<Record<string, ProposalConfig>>;
  readonly labels: SceneLabels;
  readonly relationPairs: RelationPairs;
  readonly trainingPairs: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<number, Entry>();

  constructor(options: SceneSetOptions) {
    if (!Number.isInteger(options.size) || options.size < 0)
      throw new RangeError(`SceneSet: size must be an integer ≥ 0, got ${options.size}`);
    const cacheSize = options.cacheSize ?? 0;
    if (!(Number.isInteger(cacheSize) || cacheSize === Number.POSITIVE_INFINITY) || cacheSize < 0) {
      throw new RangeError(`SceneSet: cacheSize must be an integer ≥ 0 or Infinity, got ${cacheSize}`);
    }
    this.size = options.size;
    this.seed = options.seed;
    this.source = options.source;
    this.config = resolveSceneConfig(options.source, options.scene ?? {});
    this.proposalConfigs = Object.freeze({ ...(options.proposals ?? { '': DEFAULT_PROPOSAL_CONFIG }) });
    for (const [name, c] of Object.entries(this.proposalConfigs)) {
      if (name !== '' && !/^[A-Za-z][A-Za-z0-9]*$/.test(name))
        throw new RangeError(`SceneSet: proposal source name '${name}' must be alphanumeric`);
      if (name === OBJECT_REGIONS)
        throw new RangeError(
          `SceneSet: proposal source name '${OBJECT_REGIONS}' is reserved (the annotated boxes as regions)`,
        );
      validateProposalConfig(c);
    }
    this.cacheSize = cacheSize;
    this.labels = options.labels ?? 'multi-hot';
    this.relationPairs = options.relationPairs ?? 'all';
    this.trainingPairs = options.trainingPairs ?? 0;
    if (!Number.isInteger(this.trainingPairs) || this.trainingPairs < 0)
      throw new RangeError(`SceneSet: trainingPairs must be an integer ≥ 0, got ${this.trainingPairs}`);
    if (
      this.labels === 'class' &&
      (this.config.minObjects !== 1 || this.config.maxObjects !== 1 || this.config.novelClasses.length > 0)
    ) {
      throw new RangeError(
        "SceneSet: labels 'class' needs exactly one object per scene (minObjects = maxObjects = 1) and no novel classes",
      );
    }
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  get classNames(): readonly string[] {
    return this.source.classNames;
  }

  get answerVocabulary(): AnswerVocabulary {
    return this.config.answers;
  }

  /** Scene `index` (generated, or from the cache). */
  get(index: number): Scene {
    return this.entry(index).scene;
  }

  /** The proposals of scene `index` from the source `name` ('' = primary). */
  proposals(index: number, name = ''): RegionProposals {
    const config = this.proposalConfigs[name];
    if (!config)
      throw new RangeError(
        `SceneSet: no proposal source '${name}' (has: ${Object.keys(this.proposalConfigs)
          .map((n) => `'${n}'`)
          .join(', ')})`,
      );
    const entry = this.entry(index);
    let p = entry.proposals.get(name);
    if (!p) {
      p = proposals(entry.scene, config, deriveSeed(this.seed, 'proposal-source', name));
      entry.proposals.set(name, p);
    }
    return p;
  }

  /** Every proposal source of scene `index` by name, computed on one shared edge map. */
  allProposals(index: number): ReadonlyMap<string, RegionProposals> {
    return this.fillProposals(this.entry(index));
  }

  /**
   * Tensors of the given scenes (`sceneBatch`), with every proposal source; the caller disposes them.
   * With `trainingPairs` > 0, a batch given an `augmentSeed` shows the sampler's pairs.
   */
  batch(indices: ArrayLike<number>, options: { annotations?: 'base' | 'full'; augmentSeed?: number } = {}): Batch {
    const names = Object.keys(this.proposalConfigs);
    const scenes: Scene[] = [];
    const perScene: RegionProposals[][] = names.map(() => []);
    for (let i = 0; i < indices.length; i++) {
      const entry = this.entry(indices[i]!);
      scenes.push(entry.scene);
      const all = this.fillProposals(entry);
      names.forEach((name, s) => perScene[s]!.push(all.get(name)!));
    }
    const sources: Record<string, BatchProposals> = {};
    names.forEach((name, s) => (sources[name] = { perScene: perScene[s]!, topK: this.proposalConfigs[name]!.topK }));
    return sceneBatch(scenes, {
      numClasses: this.numClasses,
      maxObjects: this.config.maxObjects,
      annotations: options.annotations,
      proposals: sources,
      labels: this.labels,
      relationPairs: this.relationPairs,
      trainingPairs:
        this.trainingPairs > 0 && options.augmentSeed !== undefined
          ? { count: this.trainingPairs, seed: options.augmentSeed }
          : undefined,
    });
  }

  private fillProposals(entry: Entry): Map<string, RegionProposals> {
    const missing = Object.keys(this.proposalConfigs).filter((n) => !entry.proposals.has(n));
    if (missing.length > 0) {
      const { scene } = entry;
      const edges = edgeMap(scene.image, scene.height, scene.width);
      for (const name of missing)
        entry.proposals.set(
          name,
          proposals(scene, this.proposalConfigs[name]!, deriveSeed(this.seed, 'proposal-source', name), edges),
        );
    }
    return entry.proposals;
  }

  private entry(index: number): Entry {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`SceneSet: index ${index} out of range [0, ${this.size})`);
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const entry: Entry = { scene: generateScene(this.source, this.config, this.seed, index), proposals: new Map() };
    if (this.cacheSize > 0) {
      this.cache.set(index, entry);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    return entry;
  }
}
