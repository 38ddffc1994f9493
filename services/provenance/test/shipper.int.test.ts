// Provenance recorded by NGINX (PROVENANCE=nginx): real replica processes answer with
// X-Provenance, the real NGINX writes its provenance log, the real shipper process puts the rows
// into the real MariaDB. What the design promises: one row per answer the caller got, naming the
// replica and model that produced it (also after an NGINX retry), nothing for HEAD, and no row
// lost or doubled when a replica or the shipper is killed with SIGKILL, or the log rotates.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type LocalNginx } from '../../../deploy/localstack/nginx.ts';
import { startShipper, type LocalShipper } from '../../../deploy/localstack/shipper.ts';
import { createTestDatabase, mysqlEnvOf, type TestDatabase } from '../../core/testing/mysql.ts';
import { REPO_ROOT, startService, tinyArtifact, waitReady, type Service } from '../../inference/test/process.ts';
import { childPids } from '../../core/process-stat.ts';
import { rotatedFiles } from '../shipper/shipper.ts';

let db: TestDatabase;
let nginx: LocalNginx;
let conn: mysql.Connection;
let shipper: LocalShipper | undefined;
const replicas: Service[] = [];
const address = (s: Service) => new URL(s.url).host;

async function replica(name: string, version: string, extra: Record<string, string>): Promise<Service> {
  const s = await startService({ MODEL_PATH: await tinyArtifact(version), REPLICA_NAME: name, PROVENANCE: 'nginx', RANK_WORKERS: '0', ...extra });
  replicas.push(s);
  await waitReady(s.url);
  return s;
}

const startLocalShipper = (extra: Record<string, string> = {}) =>
  startShipper({
    repoRoot: REPO_ROOT,
    nginx,
    env: { ...mysqlEnvOf(db.settings), SHIPPER_INTERVAL_MS: '50', PROVENANCE_MAX_DEFER_MS: '0', ...extra },
    logFile: join(nginx.dir, 'logs', 'shipper.out'),
  });

type Row = { request_id: string; replica: string; version_number: string; user_id: number; status: number; result: string };
async function rowsFor(ids: string[]): Promise<Row[]> {
  const [r] = await conn.query('SELECT request_id, replica, version_number, user_id, status, result FROM reccom WHERE request_id IN (?) ORDER BY id', [ids]);
  return r as Row[];
}
/** Waits until the rows of `ids` are in MariaDB (NGINX flushes its log buffer every second). */
async function waitRows(ids: string[], timeoutMs = 20_000): Promise<Row[]> {
  let rows: Row[] = [];
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    rows = await rowsFor(ids);
    if (new Set(rows.map((r) => r.request_id)).size >= ids.length) break;
  }
  return rows;
}

interface Answer {
  id: string;
  userId: number;
  replica: string;
  version: string;
  body: string;
}
async function ask(userId: number, method = 'GET', via: LocalNginx = nginx): Promise<Answer> {
  const res = await fetch(`${via.url}/recommend/${userId}`, { method });
  const body = await res.text();
  expect(res.status).toBe(200);
  expect(res.headers.get('x-provenance'), 'NGINX hides X-Provenance from the caller').toBeNull();
  return { id: res.headers.get('x-request-id')!, userId, replica: res.headers.get('x-replica')!, version: res.headers.get('x-model-version')!, body };
}

function expectOneRowEach(answers: Answer[], rows: Row[]): void {
  for (const a of answers) {
    const mine = rows.filter((r) => r.request_id === a.id);
    expect(mine.map((r) => [r.replica, r.version_number, r.user_id, r.status, r.result])).toEqual([[a.replica, a.version, a.userId, 200, a.body]]);
  }
}

beforeAll(async () => {
  db = await createTestDatabase('marquee_shipper');
  conn = await mysql.createConnection({ ...db.settings, timezone: 'Z' });
  // 400 ms > NGINX's 180 ms read timeout: every try on this one is retried on the other.
  const slow = await replica('slow-1', '5', { TRACK: 'stable', INFERENCE_TEST_DELAY_MS: '400' });
  const fast = await replica('fast-1', '6', { TRACK: 'canary' });
  nginx = await startNginx({ port: 0, upstreams: { stable: [address(slow)], canary: [address(fast)] }, weights: { stable: 1, canary: 1 }, provenance: true });
}, 120_000);
afterAll(async () => {
  await shipper?.stop();
  await nginx?.stop();
  for (const r of replicas) r.child.kill('SIGKILL');
  await conn?.end();
  await db?.drop();
});

describe('provenance recorded by NGINX, shipped to MySQL', () => {
  it('has one row per answer, naming the replica and model the caller got, also after a retry; none for HEAD', async () => {
    shipper = await startLocalShipper();
    const answers: Answer[] = [];
    // The split is random per request: ask until NGINX's access log shows two retried requests.
    const retriedInLog = () => (readFileSync(nginx.accessLog, 'utf8').match(/upstream=\S+, /g) ?? []).length;
    for (let i = 0; answers.length < 6 || retriedInLog() < 2; i++) {
      expect(i, 'requests before NGINX retried two').toBeLessThan(60);
      answers.push(await ask(10 + i));
    }
    expect(answers.every((a) => a.replica === 'fast-1' && a.version === '6')).toBe(true);
    const head = await ask(11, 'HEAD');
    const rows = await waitRows(answers.map((a) => a.id));
    expectOneRowEach(answers, rows);
    // The slow replica's late answers reached nobody, and NGINX logged none of them.
    expect(rows.some((r) => r.replica === 'slow-1')).toBe(false);
    expect(await rowsFor([head.id])).toEqual([]);

    // `npm run provenance -- --request` names the replica and model of a retried answer.
    const retried = readFileSync(nginx.accessLog, 'utf8').match(/rid=(\S+) upstream=\S+, /)![1];
    const out = await new Promise<string>((done, fail) =>
      execFile(process.execPath, ['--import', 'tsx', 'services/provenance/cli.ts', '--request', retried], { env: { ...process.env, ...mysqlEnvOf(db.settings) }, cwd: REPO_ROOT }, (err, stdout, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : done(stdout),
      ),
    );
    expect(out).toMatch(/replica\s+fast-1\n/);
    expect(out).toMatch(/model version\s+6/);
    expect(out).toMatch(/status\s+200 \(received by the caller\)/);
    expect(out.split('\n\n').filter((block) => /replica/.test(block))).toHaveLength(1);
  }, 90_000);

  it('loses and doubles nothing when the answering replica and the shipper are killed, and when the log rotates', async () => {
    await shipper?.stop();
    // A small rotation size: the log is renamed and reopened several times during this test.
    shipper = await startLocalShipper({ SHIPPER_ROTATE_BYTES: '4096' });
    const answers: Answer[] = [];
    for (let i = 0; i < 150; i++) {
      answers.push(await ask(1 + (i % 40)));
      if (i === 60) process.kill(shipper.identity.pid, 'SIGKILL');
      if (i === 90) shipper = await startLocalShipper({ SHIPPER_ROTATE_BYTES: '4096' });
    }
    // The replica that produced every answer dies: its rows are NGINX's, not its own.
    expect(new Set(answers.map((a) => a.replica))).toEqual(new Set(['fast-1']));
    replicas[1].child.kill('SIGKILL');
    const rows = await waitRows(answers.map((a) => a.id), 30_000);
    expectOneRowEach(answers, rows);
    expect(rows).toHaveLength(answers.length);
    const metrics = await (await fetch(shipper.metricsUrl)).text();
    expect(Number(/^provenance_shipper_rotations_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    // Renamed files are deleted once shipped and NGINX has reopened (3 s quiet).
    const deadline = Date.now() + 15_000;
    while (rotatedFiles(nginx.provenanceLog).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(rotatedFiles(nginx.provenanceLog)).toEqual([]);
    expect(existsSync(nginx.provenanceLog)).toBe(true);
  }, 120_000);

  it('loses at most the last second of answers when NGINX itself is killed with SIGKILL (its log buffer)', async () => {
    const fast = await replica('fast-2', '6', { TRACK: 'stable' });
    const own = await startNginx({ port: 0, upstreams: { stable: [address(fast)], canary: [] }, provenance: true });
    const answered: Array<Answer & { at: number }> = [];
    try {
      // Paced (~80/s, under 64 KB in 3 s): the buffer never fills, so only its flush timer writes it.
      for (const end = Date.now() + 3000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
        answered.push({ ...(await ask(1 + (answered.length % 40), 'GET', own)), at: Date.now() });
      }
      const killedAt = Date.now();
      for (const pid of [own.pid, ...childPids(own.pid)]) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const logged = new Set(readFileSync(own.provenanceLog, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[0]));
      const lost = answered.filter((a) => !logged.has(a.id));
      const lostAge = lost.map((a) => killedAt - a.at);
      console.log(`NGINX SIGKILL: ${answered.length} answers in 3 s, ${lost.length} without a line, the oldest of them answered ${Math.max(0, ...lostAge)} ms before the kill`);
      // Every answer older than NGINX's flush interval (1 s; plus slack for a busy test machine)
      // had its line written. With a longer interval (flush=5s) all 3 s of answers are lost.
      expect(lostAge.filter((ms) => ms > 2000), `lost: ${lost.length} of ${answered.length}`).toEqual([]);
      expect(answered.length - lost.length).toBeGreaterThan(0);
    } finally {
      await own.stop().catch(() => undefined);
    }
  }, 60_000);
});
