import { loadConfigFile } from '@kd/runner';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');
const load = (name: string) => loadConfigFile(join(examples, name));

describe('examples/ of ViLD transfer without fine-tuning', () => {
  const vild = load('scenes-vild.yaml');
  const transfer = load('scenes-vild-transfer.yaml');
  const mnist = load('scenes-vild-transfer-mnist.yaml');
  const fashionClip = load('fashion-mnist-clip.yaml');
  const clip = load('mnist-fashion-clip.yaml');

  it('mnist-fashion-clip.yaml is fashion-mnist-clip.yaml on both item sets (20,000 train items)', () => {
    expect(clip.data.options).toMatchObject({ base: 'mnist+fashion-mnist', length: 32 });
    const base = (clip.data.options as { baseOptions: Record<string, { trainSize: number }> }).baseOptions;
    expect(base['mnist']!.trainSize + base['fashionMnist']!.trainSize).toBe(20000);
    expect([clip.student, clip.task, clip.train, clip.methods]).toEqual([
      fashionClip.student,
      fashionClip.task,
      fashionClip.train,
      fashionClip.methods,
    ]);
  });

  it('scenes-vild-transfer.yaml is scenes-vild.yaml with the 20-class teacher: its recipe, its Fashion-class embeddings', () => {
    const { classifier, ...detector } = transfer.student.options as { classifier: Record<string, unknown> };
    const { classifier: vildClassifier, ...vildDetector } = vild.student.options as {
      classifier: Record<string, unknown>;
    };
    expect(detector).toEqual(vildDetector);
    expect(classifier).toEqual({
      ...vildClassifier,
      embeddings: '../.kd-cache/class-embeddings/mnist-fashion-clip.fashion.json',
    });
    expect([transfer.data, transfer.task, transfer.train, transfer.methods]).toEqual([
      vild.data,
      vild.task,
      vild.train,
      vild.methods,
    ]);
    const init = transfer.teacher!.init as { recipe: string; map: Record<string, string> };
    expect(resolve(examples, init.recipe)).toBe(join(examples, 'mnist-fashion-clip.yaml'));
    // every CLIP image variable but its 20-class head image.fc
    expect(Object.keys(init.map).sort()).toEqual([
      'image.bn1',
      'image.bn2',
      'image.bn3',
      'image.conv1',
      'image.conv2',
      'image.conv3',
      'imageProjection',
    ]);
    // the same crop teacher, but its crops normalised as the 20-class teacher's training images were
    const options = (t: typeof transfer.teacher) => ({
      ...t!,
      init: undefined,
      options: { ...t!.options, normalize: undefined },
    });
    expect(options(transfer.teacher)).toEqual(options(vild.teacher));
    expect(transfer.teacher!.options['normalize']).toEqual({ mean: 0.2084, std: 0.3403 });
    expect(vild.teacher!.options['normalize']).toEqual({ mean: 0.286, std: 0.353 });
  });

  it('scenes-vild-transfer-mnist.yaml evaluates that detector on MNIST scenes: epochs 0, no teacher, no methods, the digits’ embeddings', () => {
    expect(mnist.data.options).toMatchObject({ items: 'mnist', novelClasses: [], test: 1000 });
    expect(mnist.train.epochs).toBe(0);
    expect(mnist.teacher).toBeUndefined();
    expect(mnist.methods).toEqual([]);
    const { classifier, ...detector } = mnist.student.options as { classifier: Record<string, unknown> };
    const {
      classifier: trained,
      distill: _distill,
      ...trainedDetector
    } = transfer.student.options as {
      classifier: Record<string, unknown>;
      distill: unknown;
    };
    expect(detector).toEqual(trainedDetector);
    expect(classifier).toEqual({
      ...trained,
      embeddings: '../.kd-cache/class-embeddings/mnist-fashion-clip.mnist.json',
    });
    expect((mnist.student.init as { checkpoint: string }).checkpoint).toBe('../runs/scenes-vild-transfer');
  });

  it('scenes-vild-transfer-mnist-crops.yaml: the teacher on that detector’s crops, on MNIST scenes, against the digits’ names', () => {
    const crops = load('scenes-vild-transfer-mnist-crops.yaml');
    expect(crops.data).toEqual(mnist.data);
    expect(crops.train.epochs).toBe(0);
    const o = crops.student.options as Record<string, Record<string, unknown>> & { embeddings: string };
    expect(crops.student.arch).toBe('crop-classifier-detector');
    expect(o['detector']).toEqual({ arch: mnist.student.arch, options: mnist.student.options });
    expect(o.embeddings).toBe('../.kd-cache/class-embeddings/mnist-fashion-clip.mnist.json');
    // the image tower (its encoder and embedding head; no logits head) and crops as the transfer run's crop teacher
    const t = transfer.teacher!.options as Record<string, Record<string, unknown>>;
    const tower = (x: Record<string, unknown>) => x['options'] as { encoder: unknown; heads: unknown[] };
    expect(tower(o['image']!).encoder).toEqual(tower(t['image']!).encoder);
    expect(tower(o['image']!).heads).toEqual([tower(t['image']!).heads[0]]);
    for (const k of ['context', 'cropSize', 'normalize']) expect(o[k], k).toEqual(t[k]);
    expect(o['normalize']).toEqual({ mean: 0.2084, std: 0.3403 });
    const [detector, clip] = crops.student.init as {
      checkpoint?: string;
      recipe?: string;
      map: Record<string, string>;
    }[];
    expect(detector!.checkpoint).toBe('../runs/scenes-vild-transfer');
    expect(detector!.map).toEqual({ '': 'detector' });
    expect(clip!.recipe).toBe('mnist-fashion-clip.yaml');
    expect(clip!.map).toEqual((transfer.teacher!.init as { map: Record<string, string> }).map);
  });
});
