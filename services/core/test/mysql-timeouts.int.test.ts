// Every MySQL call of the services is bounded: against the real MariaDB behind a proxy that stalls,
// a connection attempt fails after MYSQL_CONNECT_TIMEOUT_MS and a statement after
// MYSQL_QUERY_TIMEOUT_MS, with errors that say so, and the same pool works again once the server
// answers. Throw-away database; the proxy (testing/tcp-proxy.ts) plays the hung server.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, createPool, type MysqlSettings } from '../db/connection.ts';
import { createTestDatabase, type TestDatabase } from '../testing/mysql.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';

const timeouts = { connectMs: 400, queryMs: 600 };
/** Scheduling slack on a loaded test machine; a hang would exceed it by far. */
const SLACK_MS = 700;

let db: TestDatabase;
let proxy: TcpProxy;
let viaProxy: MysqlSettings;
const pools: mysql.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase('marquee_timeout');
  proxy = new TcpProxy({ host: db.settings.host, port: db.settings.port });
  await proxy.start();
  viaProxy = { ...db.settings, port: proxy.port, timeouts };
});
afterAll(async () => {
  proxy?.setMode('refuse');
  for (const p of pools) await p.end().catch(() => {});
  await proxy?.stop();
  await db?.drop();
});

function pool(limit = 2): mysql.Pool {
  const p = createPool(viaProxy, limit);
  pools.push(p);
  return p;
}

/** How long `call` took to settle, and its error (or null). */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error: Error | null }> {
  const t0 = performance.now();
  try {
    await call();
    return { ms: performance.now() - t0, error: null };
  } catch (err) {
    return { ms: performance.now() - t0, error: err as Error };
  }
}

describe('MySQL timeouts against a hung server', () => {
  it('a server that accepts the connection and never answers: the call fails after the connect timeout, then recovers', async () => {
    const p = pool();
    proxy.setMode('hang');
    const r = await timed(() => p.query('SELECT 1'));
    expect(r.error?.message).toMatch(/did not complete a connection within 400 ms \(MYSQL_CONNECT_TIMEOUT_MS\)/);
    expect(r.ms).toBeGreaterThanOrEqual(390);
    expect(r.ms).toBeLessThan(400 + SLACK_MS);

    proxy.setMode('forward');
    const [rows] = await p.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('a server that stalls after the handshake: query, execute and a transaction fail after the query timeout, then the pool recovers', async () => {
    const p = pool(2);
    await p.query('SELECT 1');
    await p.execute('SELECT ? AS v', [1]);
    proxy.setMode('hang');

    const query = await timed(() => p.query('SELECT 2'));
    expect(query.error?.message).toMatch(/did not answer within 600 ms \(MYSQL_QUERY_TIMEOUT_MS\)/);
    expect(query.ms).toBeLessThan(600 + SLACK_MS);

    // execute() prepares first (mysql2's own timeout option does not cover that step).
    const execute = await timed(() => p.execute('SELECT ? + 1 AS v', [41]));
    expect(execute.error?.message).toMatch(/MYSQL_(QUERY|CONNECT)_TIMEOUT_MS/);
    expect(execute.ms).toBeLessThan(600 + SLACK_MS);

    // More calls than connections: none waits for a stalled connection forever.
    const burst = await timed(() => Promise.allSettled(Array.from({ length: 6 }, (_, i) => p.execute('SELECT ? AS v', [i]))));
    expect(burst.ms).toBeLessThan(2 * (600 + 400) + SLACK_MS);

    proxy.setMode('forward');
    const [rows] = await p.execute('SELECT ? + 1 AS v', [41]);
    expect(rows).toEqual([{ v: 42 }]);
    const conn = await p.getConnection();
    try {
      await conn.beginTransaction();
      proxy.setMode('hang');
      const commit = await timed(() => conn.commit());
      expect(commit.error?.message).toMatch(/MYSQL_QUERY_TIMEOUT_MS/);
      expect(commit.ms).toBeLessThan(600 + SLACK_MS);
    } finally {
      conn.release();
      proxy.setMode('forward');
    }
    const [again] = await p.query('SELECT 3 AS three');
    expect(again).toEqual([{ three: 3 }]);
  });

  it('bounds a single connection as the migration step opens it', async () => {
    const conn = await connectMysql(viaProxy, { multipleStatements: true });
    try {
      proxy.setMode('hang');
      const r = await timed(() => conn.query('SELECT 1; SELECT 2'));
      expect(r.error?.message).toMatch(/did not answer within 600 ms \(MYSQL_QUERY_TIMEOUT_MS\)/);
      expect(r.ms).toBeLessThan(600 + SLACK_MS);
    } finally {
      proxy.setMode('forward');
      await conn.end().catch(() => {});
    }
  });
});
