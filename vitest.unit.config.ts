import { defineConfig } from 'vitest/config';

// `npm run test:unit`, the developer's fast loop: the plain *.test.ts files only. By convention they
// start no process and open no port, so they pass with MariaDB, Kafka and NGINX down. A test that
// needs a server, a child process or a listening socket is named *.int.test.ts (run by `npm test`), and
// so is one that starts worker threads (each boots its own TypeScript loader: a second or more).
export default defineConfig({
  test: {
    include: ['services/**/test/**/*.test.ts', 'deploy/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.int.test.ts', '**/*.e2e.test.ts', 'test/stack/**'],
    // Most of a unit run is loading modules, not running tests: worker threads start faster than
    // forked processes, and without per-file isolation a module (zod, express, the model code) is
    // transformed and evaluated once per worker instead of once per file. Safe because these tests
    // keep no state across files: no vi.mock, fake timers and environment variables restored.
    pool: 'threads',
    isolate: false,
    maxWorkers: 2,
    testTimeout: 10_000,
    reporters: ['default'],
  },
});
