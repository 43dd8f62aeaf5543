import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A Redis server a test started on a free loopback port, without persistence. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/<db>`. */
  url(db?: number): string;
  stop(): Promise<void>;
}

const REDIS_SERVER = 'redis-server';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Does a Redis server answer PING on `port`? */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
  });
}

/**
 * Starts Debian's `redis-server` on a free loopback port (no snapshots, no append-only file) and
 * waits until it answers PING. `.ci/run` installs redis-server where it is missing.
 */
export async function startRedis(): Promise<RedisServer> {
  if (spawnSync(REDIS_SERVER, ['--version']).error)
    throw new Error(`${REDIS_SERVER} not found: install it (apt-get install redis-server; .ci/run does)`);
  const port = await freePort();
  const server = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let exited = false;
  server.on('exit', () => (exited = true));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (exited || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`${REDIS_SERVER} on port ${port} did not answer PING`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      }),
  };
}
