export { main } from './cli.js';
export { buildProgram } from './program.js';
export * from './plugins/index.js';
export { reportError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export { listing, formatListing, type Listing } from './commands/list.js';
export { formatSummary } from './results.js';
export * from './progress/index.js';
export type { Io } from './io.js';
export * from './api/index.js';
