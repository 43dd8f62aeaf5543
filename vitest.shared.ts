import { defineConfig } from 'vitest/config';

// Shared by every project. Tests read sibling packages from source through the
// "@kd/source" export condition, write a JSON report that tools/test-summary.mjs sums.
export default defineConfig({
  ssr: { resolve: { conditions: ['@kd/source'] } },
  resolve: { conditions: ['@kd/source'] },
  test: {
    environment: 'node',
    pool: 'forks',
    // test files run side by side on every core: one thread each for kd's native kernels (their
    // results do not depend on it; the addon's own tests set 1, 2 and 3 threads themselves)
    env: { KD_THREADS: process.env.KD_THREADS ?? '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
