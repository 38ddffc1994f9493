// main.ts with provenance on, against the real MariaDB: rows buffered at shutdown are flushed.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlSettings } from '../../core/db/connection.ts';
import { createTestDatabase } from '../../core/testing/mysql.ts';
import { startService, tinyArtifact, waitReady } from './process.ts';

describe('inference main with PROVENANCE=on', () => {
  let db: { settings: MysqlSettings; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase('marquee_infmain');
  });
  afterAll(() => db?.drop());

  it('flushes buffered reccom rows on SIGTERM before exiting 0', async () => {
    const s = await startService({
      MODEL_PATH: await tinyArtifact(),
      PROVENANCE: 'on',
      // Nothing would be written before shutdown without the final flush.
      PROVENANCE_FLUSH_MS: '600000',
      PROVENANCE_BATCH_SIZE: '1000',
      MYSQL_HOST: db.settings.host,
      MYSQL_PORT: String(db.settings.port),
      MYSQL_USER: db.settings.user,
      MYSQL_PASSWORD: db.settings.password,
      MYSQL_DATABASE: db.settings.database,
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
});
