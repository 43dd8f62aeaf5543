import * as tf from '@tensorflow/tfjs';
import { EXIT_OK, reportError } from './errors.js';
import { processIo, type Io } from './io.js';
import { buildProgram } from './program.js';

/** Runs `kd` with the given arguments (without `node` and the script); returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  // TensorFlow.js' console banners ("looks like you are running in Node.js…") would break the
  // one-line error contract and clutter progress; kd reports the backend it chose itself.
  tf.enableProdMode();
  try {
    await buildProgram(io, argv).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io.err);
  }
}
