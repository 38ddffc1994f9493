// The private MariaDB server of services/core/testing/mariadb-server.ts: a real mariadbd that a test
// can stop, kill and start again on the same port and datadir, keeping committed rows.
import mysql from 'mysql2/promise';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateMariaDb, type PrivateMariaDb } from '../testing/mariadb-server.ts';

let server: PrivateMariaDb | undefined;

afterAll(async () => {
  await server?.destroy();
});

async function values(s: PrivateMariaDb): Promise<string[]> {
  const conn = await mysql.createConnection(s.settings);
  try {
    const [rows] = await conn.query('SELECT v FROM t ORDER BY id');
    return (rows as Array<{ v: string }>).map((r) => r.v);
  } finally {
    await conn.end();
  }
}

async function insert(s: PrivateMariaDb, v: string): Promise<void> {
  const conn = await mysql.createConnection(s.settings);
  try {
    await conn.query('INSERT INTO t (v) VALUES (?)', [v]);
  } finally {
    await conn.end();
  }
}

describe('private MariaDB server', () => {
  it('keeps committed rows across a clean stop and a SIGKILL, on the same port', async () => {
    const started = Date.now();
    server = await startPrivateMariaDb({ database: 'pm_test' });
    const s = server;
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(s.settings).toMatchObject({ host: '127.0.0.1', user: 'root', password: '', database: 'pm_test', port: s.port });
    expect(s.port).not.toBe(3306);
    expect(existsSync(s.socket)).toBe(true);

    const conn = await mysql.createConnection(s.settings);
    await conn.query('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(16) NOT NULL)');
    await conn.end();
    await insert(s, 'before stop');

    const firstPid = s.pid();
    await s.stop();
    expect(s.running()).toBe(false);
    expect(s.pid()).toBeUndefined();
    await expect(mysql.createConnection({ ...s.settings, connectTimeout: 1000 })).rejects.toThrow(/ECONNREFUSED/);

    await s.start();
    expect(s.pid()).not.toBe(firstPid);
    expect(await values(s)).toEqual(['before stop']);

    await insert(s, 'before kill');
    await s.kill();
    expect(s.running()).toBe(false);
    await s.start();
    expect(await values(s)).toEqual(['before stop', 'before kill']);
    expect(s.settings.port).toBe(s.port);

    const dir = s.dir;
    await s.destroy();
    server = undefined;
    expect(existsSync(dir)).toBe(false);
  }, 90_000);
});
