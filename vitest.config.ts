import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once; integration tests own their ports and databases.
export default defineConfig({
  test: {
    include: ['services/**/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
