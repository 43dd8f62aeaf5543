import { InterruptedError } from '@kd/core';
import type { Io } from './io.js';
import type { SignalStop } from './interrupts.js';

/**
 * For a `kd run` that `kd worker` started with an IPC channel (nothing else starts kd with one):
 * when the channel disconnects, the worker has died without stopping this run (SIGKILL, out of
 * memory) and nobody will collect it, while the queue hands its job to another worker. So it stops
 * as on SIGTERM — after the current step, the folder resumable, exit 143 — instead of training on as
 * an orphan beside the run's next attempt. Without a channel it never aborts.
 */
export function stopWithParent(io: Io): SignalStop {
  const controller = new AbortController();
  const channel = process.channel;
  if (!process.send || !channel) return { signal: controller.signal, dispose: () => {} };
  const onDisconnect = () => {
    if (controller.signal.aborted) return;
    controller.abort(new InterruptedError('SIGTERM'));
    io.err('\nkd: the process that started this run is gone: stopping after the current step\n');
  };
  process.once('disconnect', onDisconnect);
  channel.unref(); // the channel alone does not keep this process running
  if (!process.connected) onDisconnect(); // it died before we listened
  return { signal: controller.signal, dispose: () => process.off('disconnect', onDisconnect) };
}
