// Issue 8's acceptance test, "nothing lost, nothing false": a steady 200 req/s through NGINX to two
// stable and one canary inference process while the canary and then a stable are killed with
// SIGKILL, MySQL (a private MariaDB of this test's own) is stopped for 20 s and started again (the
// provenance shipper is SIGKILLed meanwhile too), one release is promoted and one (a canary that
// answers after NGINX's read timeout) is aborted. Provenance as deployed: the replicas answer with
// X-Provenance (PROVENANCE=nginx), NGINX writes its provenance log, the shipper writes reccom.
// Afterwards every 200 the client received must have exactly one `reccom` row with status 200
// under its request id, naming the model version (and, where the schema and the replica say it,
// the replica) the client got, and the provenance query (`npm run provenance -- --request ID`)
// must say the same. Requests NGINX answered with an error must have no status-200 row.
import { spawn } from 'node:child_process';
import { Agent, get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type MysqlSettings } from '../../services/core/db/connection.ts';
import { migrate } from '../../services/core/db/migrate.ts';
import { createLogger, silentLogger } from '../../services/core/logger.ts';
import { startNginx, type LocalNginx } from '../../deploy/localstack/nginx.ts';
import { startShipper, type LocalShipper } from '../../deploy/localstack/shipper.ts';
import { freePort } from '../../services/core/child-process.ts';
import { startPrometheus, type LocalPrometheus } from '../../deploy/localstack/prometheus.ts';
import { isRunning, type ProcessIdentity } from '../../services/core/process-identity.ts';
import { stopProcess } from '../../services/core/stop-process.ts';
import { startPrivateMariaDb, type PrivateMariaDb } from '../../services/core/testing/mariadb-server.ts';
import { createTestUser, mysqlEnvOf } from '../../services/core/testing/mysql.ts';
import { canaryShare } from '../../services/core/tracks.ts';
import { runTraining, type Manifest } from '../../services/model/index.ts';
import { queryProvenance, type ProvenanceRecord } from '../../services/provenance/query.ts';
import { createReleaseController, type ReleaseController } from '../../services/release/controller.ts';
import { releaseJudge } from '../../services/release/judge.ts';
import {
  createLocalOrchestrator,
  scrapeTargetsOf,
  upstreamsOf,
  type LocalEndpoint,
  type LocalOrchestrator,
} from '../../services/release/local-orchestrator.ts';
import { createPrometheusClient } from '../../services/release/prometheus-client.ts';
import { fileStateStore } from '../../services/release/state.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RATINGS = join(REPO, 'data/sample/ratings.csv');
const FIRST = '1';
const PROMOTED = '2';
/** Answers in 700 ms on the canary, after NGINX's 180 ms read timeout: NGINX retries on a stable. */
const SLOW = '3';
const RATE = 200;
const CLIENT_TIMEOUT_MS = 3000;
const MAX_IN_FLIGHT = 256;
const MYSQL_DOWN_MS = 20_000;
const RELEASE_WINDOW_MS = 15_000;
const SCRAPE_MS = 1000;
const CATCH_UP_MS = 60_000;
/** Request ids this run sends (NGINX and the replicas keep a caller's sane X-Request-Id). */
const RUN = `pf-${Date.now().toString(36)}`;
const verbose = Boolean(process.env.E2E_LOG);
const log = verbose ? createLogger('e2e') : silentLogger;
const report = createLogger('provenance-faults', { level: 'info' });

let work: string;
let db: PrivateMariaDb;
let inferenceUser: MysqlSettings;
let readerUser: MysqlSettings;
let prometheus: LocalPrometheus | undefined;
let nginx: LocalNginx | undefined;
let shipper: LocalShipper | undefined;
let orchestrator: LocalOrchestrator | undefined;
let controller: ReleaseController;
let load: Load | undefined;
const manifests: Record<string, Manifest> = {};


async function endpointsChanged(endpoints: LocalEndpoint[]): Promise<void> {
  await prometheus?.reloadTargets(scrapeTargetsOf(endpoints));
  if (nginx) await nginx.reload(upstreamsOf(endpoints));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'marquee-pf-'));
  db = await startPrivateMariaDb({ parentDir: work, database: 'marquee' });
  await migrate(db.settings);
  inferenceUser = (await createTestUser(db.settings, 'inference')).settings;
  readerUser = (await createTestUser(db.settings, 'provenance')).settings;

  // Three small models on users 1-56 of the shipped sample (its first 8000 ratings), with lineage rows.
  const lines = readFileSync(RATINGS, 'utf8').split('\n').slice(0, 8001);
  const slice = join(work, 'ratings.csv');
  writeFileSync(slice, `${lines.join('\n')}\n`);
  const conn = await mysql.createConnection(db.settings);
  try {
    for (const [i, version] of [FIRST, PROMOTED, SLOW].entries()) {
      const out = join(work, 'models', version);
      const { manifest, metrics } = await runTraining({
        ratings: slice,
        holdout: 0.1,
        out,
        params: { factors: 8, epochs: 3 + i, threads: 1 },
        version,
      });
      manifests[version] = manifest;
      // Plain SQL with the version as text: what the pipeline writes (lineage/tracking.ts), whichever
      // type the column has.
      await conn.query(
        `INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, data_md5, model_md5, rating_count)
         VALUES (?, UTC_TIMESTAMP(3), ?, ?, ?, ?, ?)`,
        [version, new Date(manifest.trainedAt), metrics.rmse, manifest.data.md5, manifest.artifact.md5, manifest.data.ratings],
      );
    }
  } finally {
    await conn.end();
  }

  prometheus = await startPrometheus({ port: 0, targets: [], scrapeIntervalMs: SCRAPE_MS });
  const ports = await Promise.all(Array.from({ length: 3 }, () => freePort()));
  orchestrator = createLocalOrchestrator({
    repoRoot: REPO,
    modelsDir: join(work, 'models'),
    stateFile: join(work, 'local-stack.json'),
    logDir: join(work, 'inference-logs'),
    slots: [
      { name: 'stable-1', track: 'stable', port: ports[0] },
      { name: 'stable-2', track: 'stable', port: ports[1] },
      { name: 'canary', track: 'canary', port: ports[2] },
    ],
    env: {
      PROVENANCE: 'nginx',
      // One worker thread each: three replicas, NGINX, MariaDB, Prometheus and this test share 2 cores.
      RANK_WORKERS: '1',
      LOG_LEVEL: 'warn',
    },
    envFor: (slot, version): Record<string, string> => (slot.track === 'canary' && version === SLOW ? { INFERENCE_TEST_DELAY_MS: '700' } : {}),
    onEndpointsChange: endpointsChanged,
    logger: log.child('local'),
  });
  const endpoints = await orchestrator.up(FIRST);
  await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
  nginx = await startNginx({ port: 0, upstreams: upstreamsOf(endpoints), dir: join(work, 'nginx'), provenance: true });
  shipper = await startLocalShipper();

  const thresholds = { maxAvgLatencyMs: 500, maxErrorRate: 0.01, minRequests: 20 };
  controller = createReleaseController({
    orchestrator,
    prometheus: createPrometheusClient(prometheus.url),
    notifier: { notify: async () => undefined },
    store: fileStateStore(join(work, 'release-state.json')),
    judge: releaseJudge(thresholds, { expectedShare: canaryShare(), minShareRatio: 0.25 }),
    thresholds,
    reportsDir: join(work, 'releases'),
    scrapeIntervalMs: SCRAPE_MS,
    logger: log.child('release'),
  });
}, 240_000);

/** The shipper as Compose runs it (the replicas' MySQL user: INSERT on reccom only). */
function startLocalShipper(): Promise<LocalShipper> {
  return startShipper({
    repoRoot: REPO,
    nginx: nginx!,
    env: { ...mysqlEnvOf(inferenceUser), SHIPPER_INTERVAL_MS: '200', PROVENANCE_MAX_DEFER_MS: '3000', LOG_LEVEL: 'warn' },
    logFile: join(work, 'shipper.out'),
  });
}

afterAll(async () => {
  await load?.stop().catch(() => undefined);
  await shipper?.stop().catch(() => undefined);
  await orchestrator?.down().catch(() => undefined);
  await nginx?.stop().catch(() => undefined);
  await prometheus?.stop().catch(() => undefined);
  await db?.destroy().catch(() => undefined);
  if (work && !process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
  else if (work) report.info('work directory kept', { work });
}, 120_000);

// ---------------------------------------------------------------------------------------------
// The client: a paced, keep-alive load generator that records every answer's headers.

interface Answer {
  id: string;
  /** What the test was doing when the request was sent. */
  phase: string;
  /** HTTP status; 0 when no complete answer arrived (connection error, client timeout). */
  status: number;
  error?: string;
  ms: number;
  requestId: string | null;
  version: string | null;
  track: string | null;
  replica: string | null;
}

interface Load {
  phase: string;
  readonly answers: Answer[];
  /** Stops sending and waits for every request in flight. */
  stop(): Promise<{ sent: number; skipped: number; seconds: number }>;
}

function startLoad(baseUrl: string, rate: number): Load {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  let skipped = 0;
  const t0 = performance.now();
  const state = { phase: 'steady' };

  const send = (n: number) => {
    const id = `${RUN}-${String(n).padStart(7, '0')}`;
    const phase = state.phase;
    const started = performance.now();
    const done = new Promise<void>((finish) => {
      let settled = false;
      const settle = (a: Omit<Answer, 'id' | 'phase' | 'ms'>) => {
        if (settled) return;
        settled = true;
        answers.push({ id, phase, ms: performance.now() - started, ...a });
        finish();
      };
      const none = { requestId: null, version: null, track: null, replica: null };
      const req = get(
        {
          host: url.hostname,
          port: url.port,
          path: `/recommend/${1 + (n % 50)}`,
          agent,
          headers: { 'X-Request-Id': id },
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        },
        (res) => {
          const header = (name: string) => {
            const v = res.headers[name];
            return typeof v === 'string' ? v : null;
          };
          res.resume();
          res.once('end', () =>
            settle({
              status: res.statusCode ?? 0,
              requestId: header('x-request-id'),
              version: header('x-model-version'),
              track: header('x-serving-track'),
              replica: header('x-replica'),
            }),
          );
          res.once('error', (err) => settle({ status: 0, error: `body: ${(err as NodeJS.ErrnoException).code ?? err.message}`, ...none }));
        },
      );
      req.once('error', (err) => settle({ status: 0, error: (err as NodeJS.ErrnoException).code ?? err.name, ...none }));
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  // Paced by the clock, not by answers: request n leaves at n/rate s; a full client skips it.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    while (seq < due) {
      if (inFlight.size >= MAX_IN_FLIGHT) skipped++;
      else send(seq);
      seq++;
    }
  }, 5);

  let stopped: Promise<{ sent: number; skipped: number; seconds: number }> | undefined;
  return {
    get phase() {
      return state.phase;
    },
    set phase(p: string) {
      state.phase = p;
      log.info(`phase: ${p}`);
    },
    answers,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        const seconds = (performance.now() - t0) / 1000;
        await Promise.all([...inFlight]);
        agent.destroy();
        return { sent: seq - skipped, skipped, seconds };
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Faults.

function processOf(slot: string): ProcessIdentity | undefined {
  const state = JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8')) as { slots: Record<string, ProcessIdentity> };
  const r = state.slots[slot];
  return r && { pid: r.pid, startTicks: r.startTicks };
}

/**
 * SIGKILLs the process serving `slot` (its whole process group: no drain, no flush), leaves the slot
 * dead for `downMs` (NGINX fails over meanwhile), then has the orchestrator start every dead slot
 * again on the versions the stack serves (up()), as a supervisor would.
 */
async function killAndRestart(slot: string, downMs: number): Promise<void> {
  const killed = processOf(slot);
  if (!killed || !isRunning(killed)) throw new Error(`slot ${slot} has no live process to kill (pid ${killed?.pid})`);
  await stopProcess(killed, { signal: 'SIGKILL', graceMs: 0, group: true });
  log.info('killed', { slot, pid: killed.pid });
  await sleep(downMs);
  const { stable, canary } = await orchestrator!.current();
  await orchestrator!.up(stable, canary);
  const now = processOf(slot);
  if (!now || now.pid === killed.pid || !isRunning(now)) throw new Error(`slot ${slot} was not started again after its kill (pid ${now?.pid})`);
}

/** True when the shipper is at the end of NGINX's provenance log (provenance_shipper_lag_seconds 0). */
async function shipperCaughtUp(): Promise<boolean> {
  try {
    const text = await (await fetch(shipper!.metricsUrl, { signal: AbortSignal.timeout(2000) })).text();
    return /^provenance_shipper_lag_seconds 0$/m.test(text);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The audit.

interface ReccomRow {
  request_id: string;
  version_number: string | number;
  status: number;
  track: string;
  replica?: string | null;
}

class Failures {
  readonly byKind = new Map<string, Array<{ id: string; phase: string; detail: string }>>();
  add(kind: string, a: Answer, detail: string): void {
    const list = this.byKind.get(kind) ?? [];
    list.push({ id: a.id, phase: a.phase, detail });
    this.byKind.set(kind, list);
  }
  get count(): number {
    return [...this.byKind.values()].reduce((n, l) => n + l.length, 0);
  }
  counts(): Record<string, number> {
    return Object.fromEntries([...this.byKind].map(([k, l]) => [k, l.length]));
  }
  /** Per kind: its count, how many in each phase, and the first few request ids with what was wrong. */
  describe(total: number, what: string): string {
    const out = [`${this.count} failures over ${total} ${what}:`];
    for (const [kind, list] of this.byKind) {
      const phases: Record<string, number> = {};
      for (const f of list) phases[f.phase] = (phases[f.phase] ?? 0) + 1;
      out.push(`  ${kind}: ${list.length} (by phase: ${Object.entries(phases).map(([p, n]) => `${p} ${n}`).join(', ')})`);
      for (const f of list.slice(0, 5)) out.push(`    ${f.id} [${f.phase}] ${f.detail}`);
    }
    return out.join('\n');
  }
}

const rowText = (r: { status: number; version: string; track: string; replica?: string | null }) =>
  `${r.status} v${r.version} ${r.track}${r.replica ? ` ${r.replica}` : ''}`;
const answerText = (a: Answer) => `client got 200 v${a.version} ${a.track}${a.replica ? ` ${a.replica}` : ''}`;

/**
 * Checks the status-200 rows found for one answer; `prefix` starts the failure kinds. `newestFirst`:
 * the rows come as the provenance query shows them, so the first is the one a reader takes as served.
 */
function checkServed(
  f: Failures,
  prefix: string,
  a: Answer,
  all: Array<{ status: number; version: string; track: string; replica?: string | null; modelMd5?: string | null }>,
  newestFirst = false,
): void {
  const served = all.filter((r) => r.status === 200);
  const seen = all.length ? all.map(rowText).join('; ') : 'no rows';
  if (served.length === 0) {
    f.add(`${prefix}missing${all.length ? ' (only non-200 rows)' : ''}`, a, `${answerText(a)}; rows: ${seen}`);
    return;
  }
  if (served.length > 1) {
    const versions = new Set(served.map((r) => r.version));
    const shown = newestFirst && served[0].version !== a.version ? `, the newest names v${served[0].version}` : '';
    f.add(`${prefix}duplicate 200 rows${versions.size > 1 ? ` (different versions${shown})` : ''}`, a, `${answerText(a)}; rows: ${seen}`);
    return;
  }
  const r = served[0];
  if (r.version !== a.version) f.add(`${prefix}wrong version`, a, `${answerText(a)}; rows: ${seen}`);
  else if (r.track !== a.track) f.add(`${prefix}wrong track`, a, `${answerText(a)}; rows: ${seen}`);
  else if (a.replica !== null && r.replica !== undefined && r.replica !== a.replica) f.add(`${prefix}wrong replica`, a, `${answerText(a)}; rows: ${seen}`);
  else if (r.modelMd5 !== undefined && r.modelMd5 !== manifests[a.version ?? '']?.artifact.md5) {
    f.add(`${prefix}wrong model lineage`, a, `model_md5 ${r.modelMd5}, artifact of v${a.version} is ${manifests[a.version ?? '']?.artifact.md5}`);
  }
}

/** Runs `fn` over `items` with at most `n` at once. */
async function eachLimited<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** `npm run provenance -- --request ID --json` against the private MariaDB as the read-only user. */
function provenanceCli(requestId: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MYSQL_')) delete env[k];
  Object.assign(env, mysqlEnvOf(readerUser));
  return new Promise((done) => {
    const child = spawn('npm', ['run', '--silent', 'provenance', '--', '--request', requestId, '--json'], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const asServed = (r: ProvenanceRecord) => ({
  status: r.status,
  version: String(r.versionNumber),
  track: r.track,
  replica: (r as ProvenanceRecord & { replica?: string | null }).replica,
  modelMd5: r.modelMd5,
});

describe('provenance under faults', () => {
  it('records exactly one true row for every answer, through SIGKILLs, a MySQL outage, a promotion and an abort', async () => {
    const started = Date.now();
    load = startLoad(nginx!.url, RATE);
    const l = load;
    await sleep(3000);

    // 1. The canary dies without a chance to flush; the orchestrator starts the slot again.
    l.phase = 'canary killed';
    await killAndRestart('canary', 1500);
    l.phase = 'after canary restart';
    await sleep(2000);

    // 2. MySQL goes away for 20 s; meanwhile a stable dies, and the shipper, whose rows since the
    // outage began are only in NGINX's log, is SIGKILLed and started again.
    l.phase = 'mysql down';
    await db.stop();
    const mysqlBack = sleep(MYSQL_DOWN_MS).then(() => db.start());
    await sleep(4000);
    l.phase = 'stable killed, mysql down';
    await killAndRestart('stable-1', 1500);
    l.phase = 'shipper killed, mysql down';
    process.kill(shipper!.identity.pid, 'SIGKILL');
    await sleep(1000);
    shipper = await startLocalShipper();
    l.phase = 'mysql down';
    await mysqlBack;
    l.phase = 'mysql back';
    await sleep(3000);

    // 3. A release that passes and is promoted to every replica.
    l.phase = `release ${PROMOTED}`;
    const promoted = await controller.start(PROMOTED, RELEASE_WINDOW_MS);

    // 4. A release whose canary answers after NGINX gave up on it (NGINX retries on a stable): aborted.
    l.phase = `release ${SLOW}`;
    const aborted = await controller.start(SLOW, RELEASE_WINDOW_MS);
    l.phase = 'after releases';
    await sleep(2000);
    const sent = await l.stop();
    const loadSeconds = (Date.now() - started) / 1000;

    // Harness checks first: the load ran at its rate, the faults happened, the releases ended as planned.
    const answers = l.answers;
    const ok = answers.filter((a) => a.status === 200);
    const byStatus: Record<string, number> = {};
    for (const a of answers) {
      const key = a.status === 0 ? `error ${a.error}` : String(a.status);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
    }
    const served: Record<string, number> = {};
    for (const a of ok) served[`${a.version}/${a.track}`] = (served[`${a.version}/${a.track}`] ?? 0) + 1;
    report.info('load', { seconds: sent.seconds.toFixed(1), sent: sent.sent, skipped: sent.skipped, answers: answers.length, byStatus, served });
    expect(sent.skipped, 'requests the client could not send (too many in flight)').toBe(0);
    expect(sent.sent).toBeGreaterThanOrEqual(Math.floor(0.97 * RATE * sent.seconds));
    expect(answers.length).toBe(sent.sent);
    expect(ok.length / answers.length, `share of 200 answers (${JSON.stringify(byStatus)})`).toBeGreaterThan(0.95);
    const echoed = ok.filter((a) => a.requestId !== a.id);
    expect(echoed.slice(0, 5).map((a) => `${a.id} came back as ${a.requestId}`), 'X-Request-Id not echoed').toEqual([]);
    expect(promoted).toMatchObject({ outcome: 'promoted', version: PROMOTED, stableVersion: FIRST });
    expect(aborted).toMatchObject({ outcome: 'aborted', version: SLOW, stableVersion: PROMOTED });
    expect(orchestrator!.endpoints().map((e) => e.version)).toEqual([PROMOTED, PROMOTED, PROMOTED]);
    for (const key of [`${FIRST}/stable`, `${FIRST}/canary`, `${PROMOTED}/canary`, `${PROMOTED}/stable`]) {
      expect(served[key], `200 answers from ${key}`).toBeGreaterThan(0);
    }

    // Let the shipper catch up: until every answer has a 200 row, or nothing more arrives while it
    // is at the end of the log, or CATCH_UP_MS.
    const conn = await mysql.createConnection(db.settings);
    const pool = createPool(readerUser, 4);
    try {
      const okIds = new Set(ok.map((a) => a.id));
      const recorded = async () => {
        const [rows] = await conn.query('SELECT COUNT(DISTINCT request_id) AS n FROM reccom WHERE request_id LIKE ? AND status = 200', [`${RUN}-%`]);
        return Number((rows as Array<{ n: number }>)[0].n);
      };
      const catchUpStart = Date.now();
      let have = await recorded();
      let lastProgress = Date.now();
      while (have < okIds.size && Date.now() - catchUpStart < CATCH_UP_MS) {
        await sleep(1000);
        const now = await recorded();
        if (now > have) lastProgress = Date.now();
        have = now;
        if (Date.now() - lastProgress >= 10_000 && (await shipperCaughtUp())) break;
      }
      const catchUpSeconds = (Date.now() - catchUpStart) / 1000;

      const [raw] = await conn.query('SELECT * FROM reccom WHERE request_id LIKE ?', [`${RUN}-%`]);
      const rows = raw as ReccomRow[];
      const hasReplicaColumn = rows.length > 0 && 'replica' in rows[0];
      const rowsById = new Map<string, ReccomRow[]>();
      for (const r of rows) {
        const list = rowsById.get(r.request_id) ?? [];
        list.push(r);
        rowsById.set(r.request_id, list);
      }
      const rowStatus: Record<string, number> = {};
      for (const r of rows) rowStatus[String(r.status)] = (rowStatus[String(r.status)] ?? 0) + 1;

      // Every 200 the client got: exactly one status-200 row, of the version (and replica) it got.
      const table = new Failures();
      for (const a of ok) {
        const found = (rowsById.get(a.id) ?? []).map((r) => ({
          status: Number(r.status),
          version: String(r.version_number),
          track: r.track,
          replica: hasReplicaColumn ? (r.replica ?? null) : undefined,
        }));
        checkServed(table, '', a, found);
      }
      // Every error NGINX answered: no row claims it was served.
      for (const a of answers) {
        if (a.status === 200 || a.status === 0) continue;
        const false200 = (rowsById.get(a.id) ?? []).filter((r) => Number(r.status) === 200);
        if (false200.length) {
          table.add(`status-200 row for an answer NGINX failed`, a, `client got ${a.status}; rows: ${false200.map((r) => rowText({ ...r, version: String(r.version_number) })).join('; ')}`);
        }
      }

      // The provenance query behind `npm run provenance -- --request ID`, for every 200 answer.
      const query = new Failures();
      await eachLimited(ok, 4, async (a) => {
        const records = await queryProvenance(pool, { kind: 'request', requestId: a.id, limit: 100 });
        checkServed(query, 'provenance: ', a, records.map(asServed), true);
      });

      // And the real CLI for a handful: the last answer of each killed replica before its kill, one
      // from the MySQL outage, one of each version and track.
      const pick = (pred: (a: Answer) => boolean, last = false) => (last ? [...ok].reverse() : ok).find(pred);
      const handful = [
        pick((a) => a.phase === 'steady' && a.track === 'canary', true),
        pick((a) => a.phase === 'mysql down' && a.track === 'stable', true),
        pick((a) => a.phase === 'stable killed, mysql down'),
        pick((a) => a.version === PROMOTED && a.track === 'canary'),
        pick((a) => a.phase === 'after releases'),
      ].filter((a): a is Answer => a !== undefined);
      const cli = new Failures();
      for (const a of handful) {
        const res = await provenanceCli(a.id);
        if (res.code !== 0) {
          cli.add(`cli: exit ${res.code}`, a, `${answerText(a)}; ${res.stderr.trim().split('\n').slice(-1)[0]}`);
          continue;
        }
        const records = JSON.parse(res.stdout) as Array<Record<string, unknown>>;
        const shown = records.map((r) => ({
          status: Number(r.status),
          version: String(r.versionNumber),
          track: String(r.track),
          replica: 'replica' in r ? (r.replica as string | null) : undefined,
          modelMd5: (r.modelMd5 as string | null) ?? null,
        }));
        checkServed(cli, 'cli: ', a, shown, true);
      }

      report.info('reccom', {
        rows: rows.length,
        rowsByStatus: rowStatus,
        requestIds: rowsById.size,
        replicaColumn: hasReplicaColumn,
        replicaHeader: ok.some((a) => a.replica !== null),
        catchUpSeconds: catchUpSeconds.toFixed(1),
      });
      report.info('audit', {
        answers: answers.length,
        ok: ok.length,
        non200: answers.length - ok.length,
        failures: table.counts(),
        provenanceFailures: query.counts(),
        cliChecked: handful.length,
        cliFailures: cli.counts(),
        testSeconds: ((Date.now() - started) / 1000).toFixed(0),
        loadSeconds: loadSeconds.toFixed(0),
      });

      expect(handful.length, 'answers picked for the CLI').toBe(5);
      const described = [
        table.count ? table.describe(ok.length, 'answers (reccom rows)') : '',
        query.count ? query.describe(ok.length, 'answers (queryProvenance)') : '',
        cli.count ? cli.describe(handful.length, 'answers (npm run provenance -- --request ID)') : '',
      ];
      expect({ rows: table.counts(), provenance: query.counts(), cli: cli.counts() }, described.filter(Boolean).join('\n\n')).toEqual({
        rows: {},
        provenance: {},
        cli: {},
      });
    } finally {
      await pool.end().catch(() => undefined);
      await conn.end().catch(() => undefined);
    }
  }, 360_000);
});
