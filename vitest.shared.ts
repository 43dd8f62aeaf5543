import { defineConfig } from 'vitest/config';

// Shared by every project. Tests read sibling packages from source through the
// "@kd/source" export condition, write a JSON report that tools/test-summary.mjs sums.
export default defineConfig({
  ssr: { resolve: { conditions: ['@kd/source'] } },
  resolve: { conditions: ['@kd/source'] },
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
