// mysqlRowSink against the real MariaDB: values round-trip exactly (they are bound, never spliced
// into SQL), batches of any size are written whole and in order, and a failing batch leaves nothing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type MysqlSettings } from '../db/connection.ts';
import { createTestDatabase } from '../testing/mysql.ts';
import { type ProvenanceRow, type RowSink } from '../../inference/provenance/recorder.ts';
import { mysqlRowSink } from '../provenance/row-sink.ts';

const MIGRATION_002 = join(dirname(fileURLToPath(import.meta.url)), '../../core/db/migrations/002_reccom_drop_version_index.sql');

describe('mysqlRowSink in MariaDB', () => {
  let db: { settings: MysqlSettings; drop: () => Promise<void> };
  let conn: mysql.Connection;
  let sink: RowSink;

  beforeAll(async () => {
    db = await createTestDatabase('marquee_sink');
    conn = await mysql.createConnection({ ...db.settings, timezone: 'Z', multipleStatements: true });
    sink = mysqlRowSink(createPool(db.settings));
  });
  afterAll(async () => {
    await sink?.close();
    await conn?.end();
    await db?.drop();
  });

  // Read back with the binary protocol, so a DOUBLE comes back bit for bit (not as printed text).
  const stored = async (prefix: string) => {
    const [rows] = await conn.execute('SELECT * FROM reccom WHERE request_id LIKE ? ORDER BY id', [`${prefix}%`]);
    return rows as Array<Record<string, unknown>>;
  };
  const awkward = ["it's", 'back\\slash', 'nul\0byte', 'naïve 東京 🎬', '"; DROP TABLE reccom; --', "\\'", ''];
  const rowOf = (prefix: string, i: number): ProvenanceRow => ({
    requestId: `${prefix}${i}`,
    replica: 'sink-test',
    // Versions are names (migration 003, services/core/model-version.ts); any text goes in result.
    version: ['1', 'v2.rc-1', 'sample', 'Base_7'][i % 4],
    userId: 1 + i,
    servedAt: Date.UTC(2026, 10, 27, 3, 4, 5, i % 1000),
    track: i % 2 ? 'stable' : 'canary',
    status: 200,
    latencyMs: 0.1 + i / 3,
    result: `${awkward[i % awkward.length]},${i}`,
  });

  it('stores a batch of any size whole, in order, with every value exactly as given', async () => {
    for (const n of [1, 256, 300]) {
      const prefix = `size${n}-`;
      const rows = Array.from({ length: n }, (_, i) => rowOf(prefix, i));
      await sink.write(rows);
      const got = await stored(prefix);
      expect(got).toHaveLength(n);
      got.forEach((g, i) => {
        const r = rows[i];
        expect(g.request_id).toBe(r.requestId);
        expect(g.version_number).toBe(r.version);
        expect(Number(g.user_id)).toBe(r.userId);
        expect((g.served_at as Date).getTime()).toBe(r.servedAt);
        expect(g.track).toBe(r.track);
        expect(g.status).toBe(r.status);
        expect(g.latency_ms).toBe(r.latencyMs);
        expect(g.result).toBe(r.result);
      });
    }
  });

  it('writes nothing of a batch with a row that does not fit, and the next batch still goes through', async () => {
    // INSERT IGNORE would store a cut-down value with a warning: the sink refuses the batch first.
    const rows = Array.from({ length: 300 }, (_, i) => rowOf('bad-', i));
    rows[299] = { ...rows[299], requestId: `bad-${'x'.repeat(100)}` }; // longer than VARCHAR(64)
    await expect(sink.write(rows)).rejects.toThrow(/request_id "bad-x+" is not 1-64/);
    await expect(sink.write([{ ...rowOf('bad-', 1), version: 'naïve' }])).rejects.toThrow(/version_number "naïve" is not a model version name/);
    expect(await stored('bad-')).toHaveLength(0);
    await sink.write(Array.from({ length: 3 }, (_, i) => rowOf('after-', i)));
    expect(await stored('after-')).toHaveLength(3);
  });

  it('writes a row once however often it is sent: a retried batch, a replayed spool', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => rowOf('again-', i));
    await sink.write(rows.slice(0, 200));
    await sink.write(rows); // the first 200 again, as after a commit whose acknowledgement was lost
    await sink.write(rows.slice(100, 150));
    const got = await stored('again-');
    expect(got.map((g) => g.request_id)).toEqual(rows.map((r) => r.requestId));
    // Another replica's answer to the same request is a row of its own.
    await sink.write([{ ...rows[0], replica: 'sink-test-2', status: 499 }]);
    expect((await stored('again-0')).map((g) => [g.replica, g.status])).toEqual([
      ['sink-test', 200],
      ['sink-test-2', 499],
    ]);
  });

  it('has the indexes the provenance queries use and not the one on version_number', async () => {
    const indexes = async () => {
      const [rows] = await conn.query("SHOW INDEX FROM reccom WHERE Key_name <> 'PRIMARY'");
      return [...new Set((rows as Array<{ Key_name: string }>).map((r) => r.Key_name))].sort();
    };
    expect(await indexes()).toEqual(['reccom_attempt', 'reccom_user']);
    // Applying migration 002 again (replicas racing at start-up) is a no-op, not an error.
    await conn.query(readFileSync(MIGRATION_002, 'utf8'));
    expect(await indexes()).toEqual(['reccom_attempt', 'reccom_user']);
  });
});
