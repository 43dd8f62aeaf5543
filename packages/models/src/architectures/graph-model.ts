import { resolveConfigPath, z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { GraphModelTeacher } from '../io/graph-model-teacher.js';

const tapKinds = z.enum(['logits', 'embedding', 'feature', 'attention', 'hidden', 'region', 'other']);

/** A TensorFlow.js graph model on the local disk, frozen, its taps named graph nodes. */
export const graphModel: ModelArchitecture = {
  id: 'graph-model',
  description:
    'A TensorFlow.js graph model from disk (e.g. converted by tensorflowjs_converter) as a frozen teacher; its weights come with the file. ' +
    "Options: path (model.json or its folder), input (input node; default the graph's only input), taps ({name: {node, kind}}; logits required).",
  build(input) {
    const o = parseOptions('graph-model', input.options, {
      path: z.string().min(1),
      input: z.string().optional(),
      taps: z.record(z.string(), z.object({ node: z.string().min(1), kind: tapKinds.optional() }).strict()),
    });
    return GraphModelTeacher.loadSync(resolveConfigPath(input.baseDir, o.path), {
      taps: o.taps,
      inputShape: input.inputShape,
      ...(o.input ? { input: o.input } : {}),
    });
  },
};
