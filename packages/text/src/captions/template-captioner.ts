import { Rng, deriveSeed } from '@kd/core';
import { attributeWords } from './attribute-words.js';
import { sampleId, type CaptionProvider, type CaptionSample, type SampleCaptions } from './caption-provider.js';
import { validateKnowledgeTable, type ClassKnowledge } from './class-knowledge.js';
import { FASHION_MNIST_KNOWLEDGE } from './fashion-mnist-knowledge.js';
import { generalCaption, type GeneralCaptionNoise } from './general-caption.js';
import { measureImageAttributes } from './image-attributes.js';
import { MNIST_KNOWLEDGE } from './mnist-knowledge.js';
import { targetedCaptions } from './targeted-captions.js';

/** The built-in knowledge tables by name. */
export const KNOWLEDGE_TABLES: Readonly<Record<string, readonly ClassKnowledge[]>> = {
  mnist: MNIST_KNOWLEDGE,
  'fashion-mnist': FASHION_MNIST_KNOWLEDGE,
  // the `mnist+fashion-mnist` item set: digits 0–9, then the Fashion-MNIST classes 10–19
  'mnist+fashion-mnist': [...MNIST_KNOWLEDGE, ...FASHION_MNIST_KNOWLEDGE],
};

export interface TemplateCaptionerOptions extends GeneralCaptionNoise {
  readonly seed: number;
  /** A built-in table (`mnist`, `fashion-mnist`, `mnist+fashion-mnist`) or a custom one, indexed by class id. */
  readonly knowledge: string | readonly ClassKnowledge[];
  /** When given, the table must list exactly these class names in order. */
  readonly classNames?: readonly string[];
  /** Pixels above this value are ink (default 0.2). */
  readonly inkThreshold?: number;
}

/**
 * The stand-in for an off-the-shelf VLM. The general caption describes attributes measured on the
 * sample's pixels (size, position, brightness, stroke thickness, orientation, texture) with seeded
 * noise; the targeted captions T1–T4 come from the class's knowledge table. Everything random is
 * drawn from `deriveSeed(seed, 'general' | 'targeted', sample id)`, so a sample's captions depend
 * on the seed and the sample only.
 */
export class TemplateCaptioner implements CaptionProvider {
  readonly id = 'template';
  readonly options: Readonly<Record<string, unknown>>;
  private readonly table: readonly ClassKnowledge[];

  constructor(private readonly config: TemplateCaptionerOptions) {
    const table = typeof config.knowledge === 'string' ? KNOWLEDGE_TABLES[config.knowledge] : config.knowledge;
    if (!table)
      throw new Error(
        `template captioner: unknown knowledge table '${String(config.knowledge)}' (built in: ${Object.keys(KNOWLEDGE_TABLES).join(', ')})`,
      );
    validateKnowledgeTable(table, config.classNames);
    this.table = table;
    this.options = {
      seed: config.seed,
      knowledge: typeof config.knowledge === 'string' ? config.knowledge : table,
      dropProbability: config.dropProbability ?? 0.2,
      perturbProbability: config.perturbProbability ?? 0.1,
      inkThreshold: config.inkThreshold ?? 0.2,
    };
  }

  captions(sample: CaptionSample): SampleCaptions {
    const k = this.table[sample.label];
    if (!k)
      throw new RangeError(
        `template captioner: label ${sample.label} of sample ${sampleId(sample)} has no knowledge entry (table has ${this.table.length} classes)`,
      );
    const id = sampleId(sample);
    const targeted = targetedCaptions(k, new Rng(deriveSeed(this.config.seed, 'targeted', id)));
    if (!sample.image) return { general: [], targeted };
    const words = attributeWords(
      measureImageAttributes(sample.image.data, sample.image.shape, { inkThreshold: this.config.inkThreshold }),
    );
    const general = generalCaption(words, new Rng(deriveSeed(this.config.seed, 'general', id)), this.config);
    return { general: [general], targeted };
  }
}
