// The provenance query and CLI against a real MariaDB: reccom rows joined to their model's
// tracking row by plain equality of one shared version type; a version with no tracking row
// (`sample`) has no lineage but is still listed.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlSettings } from '../../core/db/connection.ts';
import { createTestPool, mysqlEnvOf, type TestPool } from '../../core/testing/mysql.ts';
import { queryProvenance, type ProvenanceRecord } from '../query.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = resolve(REPO, 'services/provenance/cli.ts');
const TSX = resolve(REPO, 'node_modules/.bin/tsx');

function runCli(args: string[], s: MysqlSettings): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...mysqlEnvOf(s) };
  return new Promise((done) => {
    execFile(TSX, [CLI, ...args], { env, cwd: REPO }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('provenance against MariaDB', () => {
  let db: TestPool;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestPool('marquee_prov');
    pool = db.pool;
    await pool.query(
      `INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, model_mae, data_md5, model_md5, git_commit, rating_count, params)
       VALUES ('1', '2026-11-01 10:00:00.000', '2026-11-01 10:05:00.000', 0.9312, 0.73, ?, ?, ?, 1000, NULL),
              ('2', '2026-11-02 10:00:00.000', '2026-11-02 10:06:30.500', 0.9101, 0.71, ?, ?, NULL, 1500, NULL),
              ('12', '2026-11-03 10:00:00.000', '2026-11-03 10:05:00.000', 0.8999, 0.70, ?, ?, NULL, 2000, NULL),
              ('base', '2026-11-04 10:00:00.000', '2026-11-04 10:05:00.000', 0.8888, 0.69, ?, ?, NULL, 2500, NULL)`,
      ['a'.repeat(32), 'b'.repeat(32), 'c0ffee1234567890', 'd'.repeat(32), 'e'.repeat(32), 'f'.repeat(32), '9'.repeat(32), '1'.repeat(32), '2'.repeat(32)],
    );
    await pool.query(
      `INSERT INTO reccom (request_id, replica, version_number, user_id, served_at, track, status, latency_ms, result) VALUES
        ('r-1', 'stable-1', '1', 42, '2026-11-05 08:00:00.000', 'stable', 200, 12.5, '50,172,133'),
        ('r-2', 'stable-2', '2', 42, '2026-11-05 09:00:00.000', 'canary', 200, 8.25, '7,8,9'),
        ('r-3', 'stable-2', 'sample', 42, '2026-11-05 10:00:00.000', 'stable', 200, 3.0, '1'),
        ('r-4', 'stable-2', '1', 7, '2026-11-05 11:00:00.000', 'stable', 200, 4.0, '2,3'),
        ('r-5', 'stable-2', '2', 42, '2026-11-05 07:00:00.000', 'canary', 503, 1.0, NULL),
        ('r-6', 'stable-2', 'base', 8, '2026-11-05 12:00:00.000', 'stable', 200, 2.0, '4'),
        ('r-7', 'stable-2', 'BASE', 8, '2026-11-05 13:00:00.000', 'stable', 200, 2.0, '5'),
        -- NGINX retried r-8: stable-1 answered after the read timeout (abandoned, recorded later),
        -- the canary's answer is the one the caller got.
        ('r-8', 'canary', '2', 9, '2026-11-05 14:00:00.100', 'canary', 200, 3.0, '6'),
        ('r-8', 'stable-1', '1', 9, '2026-11-05 14:00:00.300', 'stable', 499, 250.0, '7')`,
    );
  });
  afterAll(() => db?.drop());

  it('joins every request of a user to its model lineage, newest first', async () => {
    const rows = await queryProvenance(pool, { kind: 'user', userId: 42, limit: 20 });
    expect(rows.map((r) => r.requestId)).toEqual(['r-3', 'r-2', 'r-1', 'r-5']);
    const byId = Object.fromEntries(rows.map((r) => [r.requestId, r])) as Record<string, ProvenanceRecord>;
    expect(byId['r-1']).toMatchObject({
      versionNumber: '1',
      userId: 42,
      track: 'stable',
      status: 200,
      latencyMs: 12.5,
      result: '50,172,133',
      modelRmse: 0.9312,
      dataMd5: 'a'.repeat(32),
      modelMd5: 'b'.repeat(32),
      gitCommit: 'c0ffee1234567890',
    });
    expect(byId['r-1'].dataCreation?.toISOString()).toBe('2026-11-01T10:00:00.000Z');
    expect(byId['r-1'].trainedOn?.toISOString()).toBe('2026-11-01T10:05:00.000Z');
    expect(byId['r-1'].servedAt.toISOString()).toBe('2026-11-05T08:00:00.000Z');
    expect(byId['r-2']).toMatchObject({ versionNumber: '2', modelRmse: 0.9101, gitCommit: null, track: 'canary' });
    expect(byId['r-2'].trainedOn?.toISOString()).toBe('2026-11-02T10:06:30.500Z');
    // `sample` is no pipeline version: listed, without lineage (and not matched to any number).
    expect(byId['r-3']).toMatchObject({ versionNumber: 'sample', modelRmse: null, trainedOn: null, dataMd5: null });
    expect(byId['r-5']).toMatchObject({ status: 503, result: null });
  });

  it('matches versions as text: "1" joins version 1, not 12', async () => {
    const rows = await queryProvenance(pool, { kind: 'user', userId: 7, limit: 5 });
    expect(rows).toHaveLength(1);
    expect(rows[0].modelRmse).toBe(0.9312);
  });

  it('joins a named version that has a tracking row, matching names exactly (case matters)', async () => {
    const rows = await queryProvenance(pool, { kind: 'user', userId: 8, limit: 5 });
    expect(rows.map((r) => [r.requestId, r.versionNumber, r.modelRmse])).toEqual([
      ['r-7', 'BASE', null],
      ['r-6', 'base', 0.8888],
    ]);
  });

  it('honours the limit and looks up a single request', async () => {
    expect((await queryProvenance(pool, { kind: 'user', userId: 42, limit: 2 })).map((r) => r.requestId)).toEqual(['r-3', 'r-2']);
    const one = await queryProvenance(pool, { kind: 'request', requestId: 'r-2', limit: 10 });
    expect(one.map((r) => [r.requestId, r.userId, r.modelMd5])).toEqual([['r-2', 42, 'e'.repeat(32)]]);
    expect(await queryProvenance(pool, { kind: 'user', userId: 999, limit: 10 })).toEqual([]);
  });

  it('CLI: prints a table for a user', async () => {
    const out = await runCli(['--user', '42'], db.settings);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe('provenance of user 42: 4 request(s)');
    expect(lines[2]).toMatch(/^served_at\s+request_id\s+replica\s+track\s+status\s+latency_ms\s+version\s+trained_on\s+data_creation\s+rmse\s+data_md5\s+model_md5\s+git\s+result$/);
    const r1 = lines.find((l) => l.includes(' r-1 '));
    expect(r1).toMatch(/2026-11-05T08:00:00.000Z\s+r-1\s+stable-1\s+stable\s+200\s+12.5\s+1\s+2026-11-01T10:05:00.000Z\s+2026-11-01T10:00:00.000Z\s+0.9312\s+aaaaaaaa\s+bbbbbbbb\s+c0ffee12\s+3 ids: 50,172,133/);
    expect(out.stdout).toContain('no lineage recorded for version(s): sample');
  });

  it('CLI: --json gives the joined records', async () => {
    const out = await runCli(['--user', '42', '--limit', '3', '--json'], db.settings);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as Array<Record<string, unknown>>;
    expect(json.map((r) => r.requestId)).toEqual(['r-3', 'r-2', 'r-1']);
    expect(json[2]).toMatchObject({ versionNumber: '1', userId: 42, modelRmse: 0.9312, trainedOn: '2026-11-01T10:05:00.000Z', dataCreation: '2026-11-01T10:00:00.000Z', gitCommit: 'c0ffee1234567890' });
  });

  it('CLI: --request shows every field of that request', async () => {
    const out = await runCli(['--request', 'r-1'], db.settings);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('request r-1');
    expect(out.stdout).toMatch(/model_md5\s+b{32}/);
    expect(out.stdout).toMatch(/git_commit\s+c0ffee1234567890/);
    expect(out.stdout).toMatch(/result\s+50,172,133/);
  });

  it('a request NGINX retried names the answer the caller got first, and the abandoned one as such', async () => {
    const rows = await queryProvenance(pool, { kind: 'request', requestId: 'r-8', limit: 10 });
    expect(rows.map((r) => [r.replica, r.versionNumber, r.status])).toEqual([
      ['canary', '2', 200],
      ['stable-1', '1', 499],
    ]);
    const out = await runCli(['--request', 'r-8'], db.settings);
    expect(out.code).toBe(0);
    const [got, abandoned] = out.stdout.split('\n\n');
    expect(got).toMatch(/replica\s+canary\n/);
    expect(got).toMatch(/status\s+200 \(received by the caller\)/);
    expect(got).toMatch(/model version\s+2\n/);
    expect(abandoned).toMatch(/replica\s+stable-1\n/);
    expect(abandoned).toMatch(/status\s+499 \(abandoned/);
  });

  it('CLI: exit 1 with a message when nothing is found; 2 on bad arguments or config', async () => {
    const none = await runCli(['--user', '999'], db.settings);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no served requests recorded for user 999');
    const missing = await runCli(['--request', 'nope'], db.settings);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('request nope');

    const bad = await runCli(['--user', 'abc'], db.settings);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--user must be a positive integer');
    const both = await runCli(['--user', '1', '--request', 'x'], db.settings);
    expect(both.code).toBe(2);
    const badPort = await runCli(['--user', '1'], { ...db.settings, port: 'x' as unknown as number });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('MYSQL_PORT');
  });

  it('CLI: exit 3 naming the database when MySQL cannot be queried', async () => {
    const out = await runCli(['--user', '42'], { ...db.settings, database: `${db.settings.database}_missing` });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`${db.settings.database}_missing`);
  });
});
