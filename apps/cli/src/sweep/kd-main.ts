import { fileURLToPath } from 'node:url';

/** The built `kd` entry point (dist/main.js), for running kd in child processes. */
export const KD_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
