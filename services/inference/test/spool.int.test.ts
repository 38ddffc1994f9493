// A replica killed with SIGKILL loses no provenance row (issue 8, #2), and a MySQL that hangs
// costs no request and no row (#9): real replica processes (main.ts), the real MariaDB behind a
// TCP proxy the test switches between forward, refuse and hang.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../core/testing/mysql.ts';
import { TcpProxy } from '../../core/testing/tcp-proxy.ts';
import { segmentFiles } from '../provenance/spool.ts';
import { startService, tinyArtifact, waitReady, type Service } from './process.ts';

let db: TestDatabase;
let proxy: TcpProxy;
let conn: mysql.Connection;
let model: string;
const services: Service[] = [];

beforeAll(async () => {
  db = await createTestDatabase('marquee_spool');
  proxy = new TcpProxy({ host: db.settings.host, port: db.settings.port });
  await proxy.start();
  conn = await mysql.createConnection({ ...db.settings, timezone: 'Z' });
  model = await tinyArtifact();
});
afterAll(async () => {
  for (const s of services) s.child.kill('SIGKILL');
  await conn?.end();
  await proxy?.stop();
  await db?.drop();
});

async function replica(spoolDir: string, extra: Record<string, string> = {}): Promise<Service> {
  const s = await startService({
    MODEL_PATH: model,
    PROVENANCE: 'on',
    PROVENANCE_FLUSH_MS: '50',
    PROVENANCE_MAX_DEFER_MS: '0',
    PROVENANCE_SPOOL_DIR: spoolDir,
    REPLICA_NAME: 'stable-1',
    RANK_WORKERS: '0',
    MYSQL_HOST: '127.0.0.1',
    MYSQL_PORT: String(proxy.port),
    MYSQL_USER: db.settings.user,
    MYSQL_PASSWORD: db.settings.password,
    MYSQL_DATABASE: db.settings.database,
    MYSQL_CONNECT_TIMEOUT_MS: '300',
    MYSQL_QUERY_TIMEOUT_MS: '500',
    ...extra,
  });
  services.push(s);
  await waitReady(s.url);
  return s;
}

/** `n` requests, 10 at a time; the request ids of the answers received with 200. */
async function load(url: string, prefix: string, n: number): Promise<string[]> {
  const ok: string[] = [];
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
        const res = await fetch(`${url}/recommend/${1 + ((i + j) % 40)}`, { headers: { 'X-Request-Id': `${prefix}-${i + j}` } });
        await res.text();
        if (res.status === 200) ok.push(res.headers.get('x-request-id')!);
      }),
    );
  }
  return ok;
}

async function rowsOf(prefix: string): Promise<Array<{ request_id: string; replica: string; status: number }>> {
  const [rows] = await conn.query('SELECT request_id, replica, status FROM reccom WHERE request_id LIKE ? ORDER BY id', [`${prefix}-%`]);
  return rows as Array<{ request_id: string; replica: string; status: number }>;
}

async function waitForRows(prefix: string, n: number, ms = 20_000) {
  let rows = await rowsOf(prefix);
  for (const end = Date.now() + ms; rows.length < n && Date.now() < end; rows = await rowsOf(prefix)) await new Promise((r) => setTimeout(r, 100));
  return rows;
}

describe('provenance through kill -9 and a hung MySQL', () => {
  it('kill -9 of a replica while MySQL is away loses no row; the next start writes each once', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'marquee-spool-'));
    proxy.setMode('refuse');
    const first = await replica(spool);
    const answered = await load(first.url, 'k9', 400);
    expect(answered).toHaveLength(400);
    first.child.kill('SIGKILL');
    await first.exit;
    expect(segmentFiles(spool).length).toBeGreaterThan(0);

    proxy.setMode('forward');
    const second = await replica(spool);
    const rows = await waitForRows('k9', 400);
    expect(rows.length).toBe(400);
    expect(new Set(rows.map((r) => r.request_id))).toEqual(new Set(answered));
    expect(rows.every((r) => r.replica === 'stable-1' && r.status === 200)).toBe(true);
    // Its own rows arrive too, and the spool empties once everything is in MySQL.
    expect(await load(second.url, 'k9b', 50)).toHaveLength(50);
    expect(await waitForRows('k9b', 50)).toHaveLength(50);
    for (const end = Date.now() + 10_000; segmentFiles(spool).length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
    expect(segmentFiles(spool)).toEqual([]);
    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
  }, 90_000);

  it('a MySQL that hangs (accepts, never answers) costs no request and no row', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'marquee-spool-'));
    const s = await replica(spool);
    proxy.setMode('hang');
    const started = performance.now();
    const answered = await load(s.url, 'hang', 300);
    const ms = performance.now() - started;
    expect(answered).toHaveLength(300);
    // 300 answers from a tiny model: well under a second unless requests wait on MySQL.
    expect(ms).toBeLessThan(5000);
    expect(await rowsOf('hang')).toEqual([]);
    proxy.setMode('forward');
    const rows = await waitForRows('hang', 300);
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(300);
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
  }, 90_000);
});
