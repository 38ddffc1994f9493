// Provenance across an NGINX retry (issue 8, #1): a replica that answers after NGINX's read
// timeout loses the request to another replica; only the answer the caller got is recorded as
// served, and `npm run provenance -- --request` names that replica and its model. Real NGINX, two
// real replica processes, the real MariaDB, the real CLI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type LocalNginx } from '../../../deploy/localstack/nginx.ts';
import { createTestDatabase, type TestDatabase } from '../../core/testing/mysql.ts';
import { REPO_ROOT, startService, tinyArtifact, waitReady, type Service } from '../../inference/test/process.ts';

let db: TestDatabase;
let nginx: LocalNginx;
let conn: mysql.Connection;
const replicas: Service[] = [];

async function replica(name: string, version: string, extra: Record<string, string>): Promise<Service> {
  const s = await startService({
    MODEL_PATH: await tinyArtifact(version),
    REPLICA_NAME: name,
    PROVENANCE: 'on',
    PROVENANCE_FLUSH_MS: '50',
    PROVENANCE_MAX_DEFER_MS: '0',
    PROVENANCE_SPOOL_DIR: join(REPO_ROOT, 'var/test-spool'),
    RANK_WORKERS: '0',
    MYSQL_HOST: db.settings.host,
    MYSQL_PORT: String(db.settings.port),
    MYSQL_USER: db.settings.user,
    MYSQL_PASSWORD: db.settings.password,
    MYSQL_DATABASE: db.settings.database,
    ...extra,
  });
  replicas.push(s);
  await waitReady(s.url);
  return s;
}

beforeAll(async () => {
  db = await createTestDatabase('marquee_retry');
  conn = await mysql.createConnection({ ...db.settings, timezone: 'Z' });
  // 400 ms > NGINX's 180 ms read timeout: every try on this one is retried on the other.
  const slow = await replica('slow-1', '5', { TRACK: 'stable', INFERENCE_TEST_DELAY_MS: '400' });
  const fast = await replica('fast-1', '6', { TRACK: 'canary' });
  const address = (s: Service) => new URL(s.url).host;
  nginx = await startNginx({ port: 0, upstreams: { stable: [address(slow)], canary: [address(fast)] }, weights: { stable: 1, canary: 1 } });
}, 120_000);
afterAll(async () => {
  await nginx?.stop();
  for (const r of replicas) r.child.kill('SIGKILL');
  await conn?.end();
  await db?.drop();
});

function provenanceCli(requestId: string): Promise<string> {
  const env = {
    ...process.env,
    MYSQL_HOST: db.settings.host,
    MYSQL_PORT: String(db.settings.port),
    MYSQL_USER: db.settings.user,
    MYSQL_PASSWORD: db.settings.password,
    MYSQL_DATABASE: db.settings.database,
  };
  return new Promise((done, fail) =>
    execFile(process.execPath, ['--import', 'tsx', 'services/provenance/cli.ts', '--request', requestId], { env, cwd: REPO_ROOT }, (err, stdout, stderr) =>
      err ? fail(new Error(`${err.message}\n${stderr}`)) : done(stdout),
    ),
  );
}

describe('provenance across an NGINX retry', () => {
  it('records the late answer as abandoned and names the replica and model the caller got', async () => {
    const answers: Array<{ id: string; version: string; replica: string }> = [];
    // The split is random per request: ask until NGINX's log shows two requests it retried (its
    // $upstream_addr then lists both replicas), so a run where chance sent none to the slow one
    // first cannot pass or fail by luck.
    const retriedInLog = () => (readFileSync(nginx.accessLog, 'utf8').match(/upstream=\S+, /g) ?? []).length;
    for (let i = 0; answers.length < 6 || retriedInLog() < 2; i++) {
      expect(i, 'requests before NGINX retried two').toBeLessThan(60);
      const res = await fetch(`${nginx.url}/recommend/${10 + i}`);
      await res.text();
      expect(res.status).toBe(200);
      answers.push({ id: res.headers.get('x-request-id')!, version: res.headers.get('x-model-version')!, replica: res.headers.get('x-replica')! });
    }
    // Some went to the slow replica first; all were answered by the fast one.
    expect(answers.every((a) => a.replica === 'fast-1' && a.version === '6')).toBe(true);
    const ids = answers.map((a) => a.id);
    type Row = { request_id: string; replica: string; version_number: string; status: number };
    let rows: Row[] = [];
    const abandonedExpected = async () => {
      const [r] = await conn.query('SELECT request_id, replica, version_number, status FROM reccom WHERE request_id IN (?) ORDER BY id', [ids]);
      rows = r as Row[];
      return rows.filter((x) => x.status === 200).length === ids.length && rows.some((x) => x.replica === 'slow-1');
    };
    for (const end = Date.now() + 15_000; !(await abandonedExpected()) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    // Exactly one served row per answer, from the replica and model that produced it.
    for (const a of answers) {
      const served = rows.filter((r) => r.request_id === a.id && r.status === 200);
      expect(served.map((r) => [r.replica, r.version_number])).toEqual([['fast-1', '6']]);
    }
    // The slow replica's late answers are there, as abandoned.
    const late = rows.filter((r) => r.replica === 'slow-1');
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.status === 499 && r.version_number === '5')).toBe(true);

    const retried = late[0].request_id;
    const out = await provenanceCli(retried);
    const [first, second] = out.split('\n\n');
    expect(first).toMatch(/replica\s+fast-1\n/);
    expect(first).toMatch(/status\s+200 \(received by the caller\)/);
    expect(first).toMatch(/model version\s+6/);
    expect(second).toMatch(/replica\s+slow-1\n/);
    expect(second).toMatch(/status\s+499 \(abandoned/);
  }, 60_000);
});
