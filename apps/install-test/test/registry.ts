import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTree, start, tempDir } from './processes.js';
import { ROOT } from './workspace.js';

/** A local npm registry (verdaccio) on loopback, its config, storage and logs in a temp folder. */
export interface Registry {
  /** e.g. http://127.0.0.1:43817/ */
  readonly url: string;
  readonly port: number;
  /** The registry's temp folder: config.yaml, storage/, htpasswd, verdaccio.log, npm-cache/. */
  readonly dir: string;
  /** Where the packages of other scopes come from: the registry `npm config get registry` names. */
  readonly uplink: string;
  /** An npm userconfig with this registry and a publish token (`npm publish --userconfig`). */
  readonly publisherNpmrc: string;
  /** The npm cache of everything that uses this registry (not the user's ~/.npm). */
  readonly npmCache: string;
  /** What verdaccio printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Scopes served by this registry only (never proxied), publishable with the token. */
  readonly scopes?: readonly string[];
  /** How long to wait for verdaccio to answer. */
  readonly startTimeoutMs?: number;
}

export const LOCAL_SCOPES = ['@kd', '@mylab'] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function verdaccioBin(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('verdaccio/package.json');
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: string | Record<string, string> };
  return join(dirname(manifestPath), typeof bin === 'string' ? bin : bin.verdaccio!);
}

/** The user's npm registry (and CA file, when npm has one) as npm itself sees it. */
function userNpmSettings(): { registry: string; cafile: string | undefined } {
  // from the repository root: in a workspace folder, npm config refuses to run (ENOWORKSPACES)
  const get = (key: string) => execFileSync('npm', ['config', 'get', key], { cwd: ROOT, encoding: 'utf8' }).trim();
  const cafile = get('cafile');
  return {
    registry: get('registry'),
    cafile: cafile === '' || cafile === 'null' || cafile === 'undefined' ? undefined : cafile,
  };
}

function config(dir: string, uplink: string, scopes: readonly string[]): string {
  const local = scopes
    .map((s) => `  '${s}/*':\n    access: $all\n    publish: $authenticated\n    unpublish: $authenticated\n`)
    .join('');
  return `# written by apps/install-test/test/registry.ts
storage: ${JSON.stringify(join(dir, 'storage'))}
auth:
  htpasswd:
    file: ${JSON.stringify(join(dir, 'htpasswd'))}
    max_users: 1
uplinks:
  upstream:
    url: ${JSON.stringify(uplink)}
    timeout: 120s
    max_fails: 10
    fail_timeout: 1s
packages:
${local}  '**':
    access: $all
    proxy: upstream
web:
  enable: false
max_body_size: 100mb
log: { type: stdout, format: pretty, level: warn }
`;
}

async function waitForPing(url: string, child: ReturnType<typeof start>, log: () => string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}) before it answered:\n${log()}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer on ${url} within ${timeoutMs} ms:\n${log()}`);
}

/** Creates the registry's one user and returns its token. */
async function addUser(url: string): Promise<string> {
  const name = 'kd-install-test';
  const res = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'kd-install-test' }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token)
    throw new Error(`verdaccio: adding a user failed (${res.status}): ${JSON.stringify(body)}`);
  return body.token;
}

/**
 * Starts verdaccio on 127.0.0.1 at a free port: `scopes` (default @kd and @mylab) are served and
 * published only here, every other package is proxied to the user's registry. Stop it with
 * `registry.stop()` or `cleanUp()`.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const dir = tempDir('registry');
  const { registry: uplink, cafile } = userNpmSettings();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, config(dir, uplink, options.scopes ?? LOCAL_SCOPES));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  if (cafile) env.NODE_EXTRA_CA_CERTS = cafile;
  const guard = join(dirname(fileURLToPath(import.meta.url)), 'stop-with-parent.mjs');
  const verdaccio = [verdaccioBin(), '--config', configPath, '--listen', `127.0.0.1:${port}`];
  const child = start(process.execPath, [guard, process.execPath, ...verdaccio], { cwd: dir, env });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
  const log = () => output;
  await waitForPing(url, child, log, options.startTimeoutMs ?? 60_000);
  const token = await addUser(url);
  const publisherNpmrc = join(dir, 'publisher.npmrc');
  writeFileSync(publisherNpmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  return {
    url,
    port,
    dir,
    uplink,
    publisherNpmrc,
    npmCache: join(dir, 'npm-cache'),
    log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      killTree(child);
      await exited;
    },
  };
}
