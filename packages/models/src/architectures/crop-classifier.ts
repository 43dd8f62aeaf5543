import { ConfigError, deriveSeed, z, type ModelArchitecture } from '@kd/core';
import { classEmbeddingsOption } from '../class-embeddings-file.js';
import { CROP_DETECTOR_TAPS, CropClassifierDetector } from '../crop-classifier-detector.js';
import { buildModelPart, modelPartSchema } from '../model-part.js';
import { parseOptions } from '../options.js';
import { cropNormalizationOption } from './crop-normalization-option.js';

const positiveInt = z.number().int().positive();

/** ViLD's baseline "CLIP on cropped regions": a detector's regions classified by a CLIP-like image tower; see CropClassifierDetector. */
export const cropClassifierDetector: ModelArchitecture = {
  id: 'crop-classifier-detector',
  description:
    "ViLD's baseline 'CLIP on cropped regions': a detector (detector {arch, options}, e.g. a region-detector trained on base boxes; variables under detector.) " +
    'gives regions, boxes, deltas and objectness; each region is cropped at the context factors (averaged, normalised) and embedded by an image tower with its projection ' +
    '(image {arch, options}, as crop-teacher; variables under image.), and classified zero-shot against class text embeddings (embeddings: a class-embeddings file): ' +
    'p_clip = softmax over the K classes of cos / τ; score geometric-mean √(p_clip · p_obj), p_obj = 1 − the detector’s background probability (ViLD combines the two; recalled, not verified), or clip (p_clip). ' +
    'Taps: the detector’s regionLogits, boxDeltas, regionBoxes, regionMask; regionScores [R, K+1] (column 0 = 1 − p_obj; the detection task evaluates with it); cropEmbedding [R, D]. ' +
    'Weights come from student.init (a list: the detector run under detector., a CLIP recipe under image.), evaluated with train.epochs 0. ' +
    'Options: detector, image, embeddings, temperature (0.01), context ([1, 1.5]), cropSize ([h, w]; default the image size), sampling (2), normalize ({ mean, std }: the image tower’s input normalisation; default none), score (geometric-mean | clip).',
  build(input) {
    const o = parseOptions('crop-classifier-detector', input.options, {
      detector: modelPartSchema,
      image: modelPartSchema,
      embeddings: z.string().min(1),
      temperature: z.number().positive().default(0.01),
      context: z.array(z.number().positive()).min(1).default([1, 1.5]),
      cropSize: z.tuple([positiveInt, positiveInt]).optional(),
      sampling: positiveInt.default(2),
      normalize: cropNormalizationOption,
      score: z.enum(['geometric-mean', 'clip']).default('geometric-mean'),
    });
    if (input.inputShape.length !== 3)
      throw new ConfigError(
        'arch',
        `crop-classifier-detector crops images [H, W, C], and the data's inputs are [${input.inputShape.join(', ')}]`,
      );
    const [h, w, c] = input.inputShape as [number, number, number];
    const { text, dim } = classEmbeddingsOption('crop-classifier-detector: options.embeddings', o.embeddings, input);
    const cropSize: [number, number] = o.cropSize ?? [h, w];
    const detector = buildModelPart(input, 'options.detector', o.detector, {
      seed: deriveSeed(input.seed, 'crop-classifier-detector', 'detector'),
    });
    const missing = CROP_DETECTOR_TAPS.filter((t) => !detector.tapSpecs()[t]);
    if (missing.length) {
      detector.dispose();
      throw new ConfigError('options.detector.arch', `'${o.detector.arch}' has no detector taps ${missing.join(', ')}`);
    }
    const image = buildModelPart(input, 'options.image', o.image, {
      inputShape: [cropSize[0], cropSize[1], c],
      seed: deriveSeed(input.seed, 'crop-classifier-detector', 'image'),
    });
    const embedding = image.tapSpecs()['embedding'];
    const width = embedding?.shape.at(-1);
    if (width !== dim) {
      detector.dispose();
      image.dispose();
      throw new ConfigError(
        'options.image',
        `'${o.image.arch}' needs an 'embedding' tap of the class embeddings' size ${dim} (${embedding ? `it has ${width}` : 'it has none'}), e.g. a projection head: heads [{ name: embedding, outputs: ${dim} }]`,
      );
    }
    return new CropClassifierDetector({
      detector,
      image,
      imageShape: [h, w, c],
      text,
      dim,
      temperature: o.temperature,
      context: o.context,
      cropSize,
      sampling: o.sampling,
      normalization: o.normalize,
      score: o.score,
    });
  },
};
