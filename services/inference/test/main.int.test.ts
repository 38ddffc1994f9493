// main.ts with provenance on, against the real MariaDB, as the least-privilege inference user:
// rows buffered at shutdown are flushed; an unmigrated database is reported and serving goes on.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSettingsFromEnv, type MysqlSettings } from '../../core/db/connection.ts';
import { dropDatabase, ensureDatabase } from '../../core/db/migrate.ts';
import { createTestDatabase, createTestUser, mysqlEnvOf } from '../../core/testing/mysql.ts';
import { startService, tinyArtifact, waitReady } from './process.ts';

describe('inference main with PROVENANCE=on', () => {
  let db: { settings: MysqlSettings; drop: () => Promise<void> };
  let user: { settings: MysqlSettings; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase('marquee_infmain');
    user = await createTestUser(db.settings, 'inference');
  });
  afterAll(async () => {
    await user?.drop();
    await db?.drop();
  });

  it('flushes buffered reccom rows on SIGTERM before exiting 0', async () => {
    const s = await startService({
      MODEL_PATH: await tinyArtifact(),
      PROVENANCE: 'on',
      // Nothing would be written before shutdown without the final flush.
      PROVENANCE_FLUSH_MS: '600000',
      PROVENANCE_BATCH_SIZE: '1000',
      ...mysqlEnvOf(user.settings),
    });
    try {
      await waitReady(s.url);
      for (const [i, user] of [10, 20, 4242].entries()) {
        const res = await fetch(`${s.url}/recommend/${user}`, { headers: { 'X-Request-Id': `shutdown-${i}` } });
        expect(res.status).toBe(200);
        await res.text();
      }
      s.child.kill('SIGTERM');
      expect((await s.exit).code).toBe(0);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
    const conn = await mysql.createConnection(db.settings);
    try {
      const [rows] = await conn.query('SELECT request_id, user_id, version_number, track, status FROM reccom ORDER BY id');
      expect(rows).toEqual([
        { request_id: 'shutdown-0', user_id: 10, version_number: 'tiny', track: 'stable', status: 200 },
        { request_id: 'shutdown-1', user_id: 20, version_number: 'tiny', track: 'stable', status: 200 },
        { request_id: 'shutdown-2', user_id: 4242, version_number: 'tiny', track: 'stable', status: 200 },
      ]);
    } finally {
      await conn.end();
    }
    expect(s.output()).toMatch(/provenance flushed unwritten=0/);
  });

  it('does not migrate: on a database never migrated it warns naming npm run migrate and keeps serving', async () => {
    const bare = { ...mysqlSettingsFromEnv(), database: `marquee_bare_${randomBytes(4).toString('hex')}` };
    await ensureDatabase(bare);
    const s = await startService({ MODEL_PATH: await tinyArtifact(), PROVENANCE: 'on', ...mysqlEnvOf(bare) });
    try {
      await waitReady(s.url);
      expect((await fetch(`${s.url}/recommend/10`)).status).toBe(200);
      await expect.poll(() => s.output(), { timeout: 10_000 }).toMatch(/WARN .*no schema_migrations table.*npm run migrate/);
      s.child.kill('SIGTERM');
      await s.exit;
      // It created nothing: the schema is the migration step's job.
      const conn = await mysql.createConnection(bare);
      try {
        const [tables] = await conn.query('SHOW TABLES');
        expect(tables).toEqual([]);
      } finally {
        await conn.end();
      }
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
      await dropDatabase(bare);
    }
  });
});
