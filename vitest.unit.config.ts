import { defineConfig } from 'vitest/config';

// `npm run test:unit`, the developer's fast loop: the plain *.test.ts files only. By convention they
// start no process and open no port, so they pass with MariaDB, Kafka and NGINX down. A test that
// needs a server, a child process or a listening socket is named *.int.test.ts (run by `npm test`).
export default defineConfig({
  test: {
    include: ['services/**/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.int.test.ts', '**/*.e2e.test.ts', 'test/stack/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 10_000,
    reporters: ['default'],
  },
});
