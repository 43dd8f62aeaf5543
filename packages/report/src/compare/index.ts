export * from './flatten-config.js';
export * from './config-differences.js';
export * from './finished-run.js';
export * from './compare-runs.js';
export * from './compare-table.js';
export * from './compare-json.js';
export * from './compare-cells.js';
export * from './compare-cells-table.js';
