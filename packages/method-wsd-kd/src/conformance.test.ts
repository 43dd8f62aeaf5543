import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { batch, data, student, teacher } from '../test/tiny-wsd.js';
import { register, wsdKdDescriptor } from './index.js';

// A WSDDN teacher (frozen) and a roi-classifier student on two images with padded, scored proposals.
describeMethodConformance({
  descriptor: wsdKdDescriptor,
  register,
  run: () => ({
    context: setupContext(
      'wsd-kd',
      wsdKdDescriptor.hparams.parse({}),
      participant('teacher', 'teacher', teacher()),
      participant('student', 'student', student()),
      7,
      undefined,
      { data },
    ),
    batch: batch(),
  }),
});
