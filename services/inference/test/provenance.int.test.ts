// The provenance recorder against the real MariaDB on 127.0.0.1:3306, reached directly or through a
// TCP proxy the test stops and starts to play "MySQL down" and "MySQL back".
import mysql from 'mysql2/promise';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type MysqlSettings } from '../../core/db/connection.ts';
import { createTestDatabase } from '../../core/testing/mysql.ts';
import { TcpProxy } from '../../core/testing/tcp-proxy.ts';
import { createApp } from '../app.ts';
import { createProvenanceMetrics } from '../metrics.ts';
import { ProvenanceRecorder } from '../provenance/recorder.ts';
import { mysqlRowSink } from '../../core/provenance/row-sink.ts';
import { createRecommender } from '../recommender.ts';
import { listen, rank, tinyModel } from './fixtures.ts';

interface ReccomRow {
  request_id: string;
  version_number: string;
  user_id: number;
  served_at: Date;
  track: string;
  status: number;
  latency_ms: number;
  result: string;
}

describe('provenance rows in MariaDB', () => {
  let db: { settings: MysqlSettings; drop: () => Promise<void> };
  let conn: mysql.Connection;

  beforeAll(async () => {
    db = await createTestDatabase('marquee_inf');
    conn = await mysql.createConnection({ ...db.settings, timezone: 'Z' });
  });
  afterAll(async () => {
    await conn?.end();
    await db?.drop();
  });

  const rowsFor = async (requestIdPrefix: string) => {
    const [rows] = await conn.query('SELECT * FROM reccom WHERE request_id LIKE ? ORDER BY id', [`${requestIdPrefix}%`]);
    return rows as ReccomRow[];
  };

  /** The app with a recorder whose pool goes to `settings`. */
  async function serve(settings: MysqlSettings, o: { flushMs?: number; bufferMax?: number } = {}) {
    const registry = new Registry();
    const recorder = new ProvenanceRecorder({
      sink: mysqlRowSink(createPool(settings)),
      metrics: createProvenanceMetrics(registry),
      batchSize: 5,
      flushMs: o.flushMs ?? 50,
      bufferMax: o.bufferMax ?? 1000,
      maxBackoffMs: 200,
    });
    recorder.start();
    const app = createApp({
      recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }),
      version: '42',
      track: 'canary',
      registry,
      recorder,
    });
    const server = await listen(app);
    const metric = async (name: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    const recommend = async (userId: number, requestId: string) => {
      const res = await fetch(`${server.url}/recommend/${userId}`, { headers: { 'X-Request-Id': requestId } });
      return { status: res.status, body: await res.text() };
    };
    return {
      recorder,
      metric,
      recommend,
      close: async () => {
        await server.close();
        await recorder.close(2000);
      },
    };
  }

  it('writes one row per served request with the right fields', async () => {
    const s = await serve(db.settings);
    try {
      const before = Date.now();
      const answers: Array<{ status: number; body: string }> = [];
      for (let i = 0; i < 12; i++) answers.push(await s.recommend(i % 2 ? 10 : 99, `ok-${i}`));
      await expect.poll(() => rowsFor('ok-').then((r) => r.length), { timeout: 10_000 }).toBe(12);
      const rows = await rowsFor('ok-');
      rows.forEach((row, i) => {
        expect(row.request_id).toBe(`ok-${i}`);
        expect(row.version_number).toBe('42');
        expect(Number(row.user_id)).toBe(i % 2 ? 10 : 99);
        expect(row.track).toBe('canary');
        expect(row.status).toBe(200);
        expect(row.result).toBe(answers[i].body);
        expect(row.latency_ms).toBeGreaterThanOrEqual(0);
        expect(row.served_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(row.served_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      });
      expect(await s.metric('provenance_written_total')).toBe(12);
      expect(await s.metric('provenance_dropped_total')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('serves every request while MySQL is unreachable, and counts drops when the buffer is full', async () => {
    // Port 1 on loopback: connection refused at once.
    const s = await serve({ ...db.settings, port: 1 }, { bufferMax: 4 });
    try {
      for (let i = 0; i < 10; i++) {
        const r = await s.recommend(10, `down-${i}`);
        expect(r.status).toBe(200);
        expect(r.body.split(',')).toHaveLength(20);
      }
      expect(s.recorder.pending).toBe(4);
      expect(await s.metric('provenance_dropped_total')).toBe(6);
      expect(await s.metric('provenance_written_total')).toBe(0);
      expect(await s.metric('provenance_buffered_rows')).toBe(4);
    } finally {
      await s.close();
    }
    expect(await rowsFor('down-')).toHaveLength(0);
  });

  it('writes rows buffered during an outage once MySQL is reachable again', async () => {
    const proxy = new TcpProxy({ host: db.settings.host, port: db.settings.port });
    await proxy.start();
    const s = await serve({ ...db.settings, port: proxy.port });
    try {
      await s.recommend(10, 'flap-0');
      await expect.poll(() => rowsFor('flap-').then((r) => r.length), { timeout: 10_000 }).toBe(1);
      // ... and acknowledged: a row committed whose OK is still in flight when the proxy stops is
      // retried (a duplicate after a dropped connection: reccom has no unique key yet), which is not
      // what this test is about.
      await expect.poll(() => s.recorder.pending, { timeout: 10_000 }).toBe(0);

      await proxy.stop();
      for (let i = 1; i <= 7; i++) expect((await s.recommend(20, `flap-${i}`)).status).toBe(200);
      // Give the recorder time to try (and fail) at least once while MySQL is away.
      await new Promise((r) => setTimeout(r, 400));
      expect(s.recorder.pending).toBe(7);
      expect(await rowsFor('flap-')).toHaveLength(1);

      await proxy.start();
      await expect.poll(() => rowsFor('flap-').then((r) => r.length), { timeout: 15_000 }).toBe(8);
      expect((await rowsFor('flap-')).map((r) => r.request_id)).toEqual(Array.from({ length: 8 }, (_, i) => `flap-${i}`));
      expect(s.recorder.pending).toBe(0);
      expect(await s.metric('provenance_written_total')).toBe(8);
      expect(await s.metric('provenance_dropped_total')).toBe(0);
    } finally {
      await s.close();
      await proxy.stop().catch(() => {});
    }
  });
});
