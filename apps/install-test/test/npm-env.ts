import { delimiter, sep } from 'node:path';

/**
 * The environment for an npm, npx or node child that must behave as in a user's own shell, with
 * npm's settings taken from `userconfig` and its cache in `cache` (both in temp folders):
 * - no `npm_*` variables of the `npm test` / nx run this test runs under (they would point npm at the
 *   workspace), no NODE_OPTIONS, no vitest or nx variables;
 * - no `node_modules/.bin` folder of the workspace on PATH, so `npx kd` finds only the project's kd.
 */
export function npmEnv(userconfig: string, cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|INIT_CWD$|VITEST|NX_|FORCE_COLOR$)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p !== '' && !p.split(sep).includes('node_modules'))
    .join(delimiter);
  env.npm_config_userconfig = userconfig;
  env.npm_config_cache = cache;
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  env.npm_config_progress = 'false';
  env.NO_COLOR = '1';
  return env;
}
