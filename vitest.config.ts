import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once; integration tests own their ports and databases.
export default defineConfig({
  test: {
    include: ['services/**/test/**/*.test.ts', 'deploy/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The stack stories run in their own phase (vitest.stack.config.ts, scripts/test-stack.sh).
    exclude: ['**/node_modules/**', 'test/stack/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
