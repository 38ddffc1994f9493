import { defineConfig } from 'vitest/config';

// The stack stories (test/stack/): the production entry points run for real — docker compose over a
// container engine, the GitLab pipeline under gitlab-ci-local. One at a time: each owns the machine.
export default defineConfig({
  test: {
    include: ['test/stack/**/*.stack.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 60 * 60_000,
    reporters: ['default'],
  },
});
