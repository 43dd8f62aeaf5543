import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { batch, cropTeacher, data, detector } from '../test/tiny-vild.js';
import { register, vildDescriptor } from './index.js';

// A region detector with ViLD-text's classifier and distillation proposals, and a frozen crop teacher
// (a small cnn on the proposals' 1× and 1.5× crops), on four images with padded proposals.
describeMethodConformance({
  descriptor: vildDescriptor,
  register,
  run: () => ({
    context: setupContext(
      'vild',
      vildDescriptor.hparams.parse({}),
      participant('teacher', 'teacher', cropTeacher()),
      participant('student', 'student', detector()),
      7,
      undefined,
      { data },
    ),
    batch: batch(),
  }),
});
