import { UserError } from '@kd/core';

/**
 * The BullMQ queue that kd's coordinators and workers share. One name for all sweeps: a job's id
 * names its sweep, and a Redis database (`redis://host:port/<db>`) separates unrelated users.
 */
export const QUEUE_NAME = 'kd-runs';

/** How BullMQ and ioredis reach the server of a `--queue` URL. */
export interface RedisConnection {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: Record<string, never>;
}

/** A parsed `--queue redis://host:port[/db]`. */
export interface QueueAddress {
  /** The URL without credentials: safe for messages and for the sweep folder. */
  readonly shown: string;
  /** Whether the URL carried a user or password (then it is not written anywhere). */
  readonly hasCredentials: boolean;
  readonly connection: RedisConnection;
}

const USAGE = 'expected redis://host:port[/db] (or rediss:// for TLS)';

/** Parses `--queue`; a malformed URL is a one-line UserError naming the option. */
export function parseQueueUrl(text: string, option = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`${option} '${text}': ${USAGE}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UserError(`${option} '${text}': ${USAGE}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new UserError(`${option} '${text}': no host; ${USAGE}`);
  if (url.search || url.hash) throw new UserError(`${option} '${text}': query options are not supported; ${USAGE}`);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,4}$/.test(path))
    throw new UserError(`${option} '${text}': the database '${path}' must be a number; ${USAGE}`);
  const port = url.port ? Number(url.port) : 6379;
  const db = path === '' ? 0 : Number(path);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    shown: `${url.protocol}//${shownHost}:${port}/${db}`,
    hasCredentials: username !== undefined || password !== undefined,
    connection: {
      host,
      port,
      db,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}
