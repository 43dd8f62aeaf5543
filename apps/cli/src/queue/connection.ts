import { UserError } from '@kd/core';
import { Redis } from 'ioredis';
import type { QueueAddress } from './queue-url.js';

/** BullMQ stores its jobs with Lua scripts and streams that need Redis 5 or later. */
const MIN_REDIS_MAJOR = 5;

/**
 * Connection options for BullMQ's own clients: commands wait for a connection instead of failing
 * (`maxRetriesPerRequest: null`, as BullMQ's workers require), and ioredis reconnects by itself, so
 * a worker or a waiting coordinator outlives a Redis restart.
 */
export function bullConnection(address: QueueAddress): Record<string, unknown> {
  return { ...address.connection, maxRetriesPerRequest: null };
}

/**
 * Connects once, before anything is planned or written, and asks the server's version: an
 * unreachable server, a refused login or a Redis too old for BullMQ is one line (exit 2).
 */
export async function checkQueueReachable(address: QueueAddress, timeoutMs = 5000): Promise<void> {
  const probe = new Redis({
    ...address.connection,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  probe.on('error', (e: Error) => (lastError = e)); // reported below, once
  try {
    await probe.connect();
    const info = await probe.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? NaN);
    if (major < MIN_REDIS_MAJOR)
      throw new UserError(
        `--queue ${address.shown}: Redis ${major}.x is too old for the job queue (needs ${MIN_REDIS_MAJOR} or later)`,
      );
  } catch (e) {
    if (e instanceof UserError) throw e;
    const reason = (lastError ?? (e as Error)).message.split('\n')[0];
    throw new UserError(`--queue ${address.shown}: cannot reach Redis (${reason})`);
  } finally {
    probe.disconnect();
  }
}
