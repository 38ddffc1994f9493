// The whole stack, end to end, with real processes: Kafka, MariaDB, Prometheus, NGINX, two stable
// and one canary inference process. The simulator streams log lines to Kafka and sends
// /recommend through NGINX the whole time; a pipeline run turns the stream into model 1; a
// release promotes it; a release of a deliberately slow model aborts and alerts. Through all of
// it NGINX answers every request with 200, and every served request has its provenance row.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka } from './ensure-kafka.ts';
import { versionsViaNginx } from './versions-via-nginx.ts';
import { createLogger, silentLogger } from '../../services/core/logger.ts';
import { startNginx, type LocalNginx } from '../../deploy/localstack/nginx.ts';
import { freePort } from '../../services/core/child-process.ts';
import { startPrometheus, type LocalPrometheus } from '../../deploy/localstack/prometheus.ts';
import { createTestDatabase, createTestUser, mysqlEnvOf } from '../../services/core/testing/mysql.ts';
import type { MysqlSettings } from '../../services/core/db/connection.ts';
import { canaryShare } from '../../services/core/tracks.ts';
import { runTraining } from '../../services/model/index.ts';
import { startSimulator, type Simulator } from '../../services/pipeline/simulator/simulator.ts';
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
import { sinksNotifier, startSlackReceiver, startSmtp, type SlackSink, type SmtpSink } from '../../services/core/testing/notify-sinks.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// ml-latest-small as the repo ships it in the course's clean format (slug movie ids, whole stars;
// data/sample/SOURCE.md), so the test needs nothing outside the repository (a CI runner has no shared data).
const RATINGS = join(REPO, 'data/sample/ratings.csv');
const CLEAN_HEADER = 'user_id,movie_id,rating,timestamp';
const SCRAPE_MS = 1000;
const SLOW = 'slow';
const verbose = Boolean(process.env.E2E_LOG);
const log = verbose ? createLogger('e2e') : silentLogger;

let work: string;
let db: { settings: MysqlSettings; drop: () => Promise<void> };
/** Least-privilege users, as the migration step creates them in production (replicas, pipeline). */
let users: Record<'inference' | 'pipeline', { settings: MysqlSettings; drop: () => Promise<void> }> | undefined;
let smtp: SmtpSink;
let slack: SlackSink;
let prometheus: LocalPrometheus;
let nginx: LocalNginx | undefined;
let orchestrator: LocalOrchestrator;
let controller: ReleaseController;
let simulator: Simulator | undefined;
const topic = `e2e-${Date.now().toString(36)}`;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString();

async function endpointsChanged(endpoints: LocalEndpoint[]): Promise<void> {
  await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
  if (nginx) await nginx.reload(upstreamsOf(endpoints));
}

beforeAll(async () => {
  await ensureKafka(REPO);
  db = await createTestDatabase('marquee_e2e');
  users = { inference: await createTestUser(db.settings, 'inference'), pipeline: await createTestUser(db.settings, 'pipeline') };
  work = mkdtempSync(join(tmpdir(), 'marquee-e2e-'));

  // The pipeline's world: a git working copy with a bare remote, and a DVC remote directory.
  const repo = join(work, 'repo');
  mkdirSync(repo);
  git(work, 'init', '-q', '--bare', 'remote.git');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'e2e');
  git(repo, 'config', 'user.email', 'e2e@marquee.invalid');
  writeFileSync(join(repo, '.gitignore'), 'models/\n');
  writeFileSync(join(repo, 'README.md'), 'e2e working copy\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'init');
  git(repo, 'remote', 'add', 'origin', join(work, 'remote.git'));
  git(repo, 'push', '-q', '-u', 'origin', 'main');
  mkdirSync(join(work, 'dvc-remote'));

  // What the simulator replays (56 users), and the first stable model trained on it
  // directly; plus the deliberately slow candidate (slow by INFERENCE_TEST_DELAY_MS, see envFor).
  // The sample keeps MovieLens' order (by user), so its first 8000 ratings are users 1-56.
  const lines = readFileSync(RATINGS, 'utf8').split('\n').slice(0, 8001);
  if (lines[0] !== CLEAN_HEADER) throw new Error(`${RATINGS}: expected the clean header '${CLEAN_HEADER}', found '${lines[0]}'`);
  const slice = join(work, 'ratings.csv');
  writeFileSync(slice, `${lines.join('\n')}\n`);
  for (const version of ['base', SLOW]) {
    await runTraining({ ratings: slice, holdout: 0.1, out: join(repo, 'models', version), params: { factors: 8, epochs: 3, threads: 1 }, version });
  }

  smtp = await startSmtp();
  slack = await startSlackReceiver();
  prometheus = await startPrometheus({ port: 0, targets: [], scrapeIntervalMs: SCRAPE_MS });
  const ports = await Promise.all(Array.from({ length: 3 }, () => freePort()));
  const s = users.inference.settings;
  orchestrator = createLocalOrchestrator({
    repoRoot: REPO,
    modelsDir: join(repo, 'models'),
    stateFile: join(work, 'local-stack.json'),
    logDir: join(work, 'inference-logs'),
    slots: [
      { name: 'stable-1', track: 'stable', port: ports[0] },
      { name: 'stable-2', track: 'stable', port: ports[1] },
      { name: 'canary', track: 'canary', port: ports[2] },
    ],
    env: {
      PROVENANCE: 'on',
      PROVENANCE_FLUSH_MS: '200',
      // The write-behind may hold rows while training saturates the CPU: at most 3 s here.
      PROVENANCE_MAX_DEFER_MS: '3000',
      ...mysqlEnvOf(s),
      LOG_LEVEL: 'warn',
    },
    envFor: (slot, version): Record<string, string> =>
      slot.track === 'canary' && version === SLOW ? { INFERENCE_TEST_DELAY_MS: '700' } : {},
    onEndpointsChange: endpointsChanged,
    logger: log.child('local'),
  });
  const endpoints = await orchestrator.up('base');
  await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
  nginx = await startNginx({ port: 0, upstreams: upstreamsOf(endpoints) });

  const thresholds = { maxAvgLatencyMs: 500, maxErrorRate: 0.01, minRequests: 20 };
  controller = createReleaseController({
    orchestrator,
    prometheus: createPrometheusClient(prometheus.url),
    notifier: sinksNotifier(smtp, slack),
    store: fileStateStore(join(work, 'release-state.json')),
    // the production judge with the defaults of services/release/config.ts (weights of core/tracks.ts)
    judge: releaseJudge(thresholds, { expectedShare: canaryShare(), minShareRatio: 0.25 }),
    thresholds,
    reportsDir: join(work, 'releases'),
    scrapeIntervalMs: SCRAPE_MS,
    logger: log.child('release'),
  });

  // Simulator timeout (3 s) > the latest NGINX answer (worstCaseAnswerMs, 520 ms) with its retries.
  simulator = startSimulator({
    ratings: slice,
    brokers: ['127.0.0.1:9092'],
    topic,
    rate: 200,
    serviceUrl: nginx.url,
    requestRate: 30,
    timeoutMs: 3000,
    logger: log.child('simulator'),
  });
}, 300_000);

afterAll(async () => {
  await simulator?.stop().catch(() => undefined);
  await orchestrator?.down().catch(() => undefined);
  await nginx?.stop().catch(() => undefined);
  await prometheus?.stop().catch(() => undefined);
  await smtp?.close();
  await slack?.close();
  for (const u of Object.values(users ?? {})) await u.drop();
  await db?.drop();
  if (work && !process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
}, 120_000);

function runPipelineOnce(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/pipeline/cli/pipeline.ts', '--once', '--json'], {
      cwd: REPO,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (verbose) process.stderr.write(c);
    });
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const viaNginx = (n: number) => versionsViaNginx(nginx!.url, n);

async function modelInfo(address: string): Promise<string[]> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('model_info{'));
}


describe('the whole stack', () => {
  it('streams, retrains, promotes, rejects a slow canary, and never fails a request', async () => {
    const repo = join(work, 'repo');
    const s = users!.pipeline.settings;

    // 2. A pipeline run turns the Kafka stream into model version 1.
    const run = await runPipelineOnce({
      PIPELINE_WORKDIR: repo,
      PIPELINE_LOG_FILE: join(work, 'pipeline.log'),
      PIPELINE_DEAD_LETTER: join(work, 'dead-letter.log'),
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: `${topic}-pipeline`,
      INGEST_WINDOW_MS: '20000',
      GATE_RMSE: '5',
      TRAIN_FACTORS: '8',
      TRAIN_EPOCHS: '5',
      TRAIN_THREADS: '1',
      DVC_REMOTE: join(work, 'dvc-remote'),
      ...mysqlEnvOf(s),
      SMTP_HOST: '',
      SLACK_WEBHOOK_URL: '',
    });
    expect(run.code, `pipeline failed:\n${run.stderr.slice(-3000)}`).toBe(0);
    const summary = JSON.parse(run.stdout) as { status: string; version: number };
    expect(summary).toMatchObject({ status: 'published', version: 1 });
    expect(existsSync(join(repo, 'models', '1', 'manifest.json'))).toBe(true);

    // 3. A release with a 25 s window promotes it: every process ends on version 1.
    const promoted = await controller.start('1', 25_000);
    expect(promoted, JSON.stringify(promoted.decision)).toMatchObject({ outcome: 'promoted', stableVersion: 'base', decision: { verdict: 'pass' } });
    expect(await viaNginx(30)).toEqual({ 1: 30 });
    for (const e of orchestrator.endpoints()) {
      const res = await fetch(`http://${e.address}/recommend/7`);
      await res.body?.cancel();
      expect(res.headers.get('x-model-version')).toBe('1');
      expect((await modelInfo(e.address)).join('\n')).toContain('version="1"');
    }

    // 4. A release of a model that answers in 700 ms on the canary aborts and alerts.
    const mailsBefore = smtp.mails.length;
    const hooksBefore = slack.payloads.length;
    const aborted = await controller.start(SLOW, 30_000);
    // NGINX gives up on the canary's answers (700 ms > the 180 ms read timeout) and retries them on
    // a stable, so callers never wait for it; the canary still answers late, and its metrics show
    // the slow model: the judge fails it for its latency (or, had it served too little of its share,
    // for that).
    expect(aborted).toMatchObject({ outcome: 'aborted', stableVersion: '1' });
    expect(aborted.decision?.verdict).toBe('fail');
    expect(aborted.decision?.canary?.avgLatencyMs).toBeGreaterThanOrEqual(700);
    expect(aborted.decision?.reasons.join(' ')).toMatch(/average latency \d+(\.\d)? ms >= limit 500 ms|took it out of rotation/);
    expect(orchestrator.endpoints().map((e) => e.version)).toEqual(['1', '1', '1']);
    expect(await viaNginx(20)).toEqual({ 1: 20 });
    const deadline = Date.now() + 15_000;
    while ((smtp.mails.length === mailsBefore || slack.payloads.length === hooksBefore) && Date.now() < deadline) {
      await sleep(100);
    }
    expect(smtp.mails[mailsBefore].subject).toMatch(/release slow aborted \(fail\)/);
    expect(JSON.stringify(slack.payloads[hooksBefore])).toContain('release slow aborted');

    // 5. Zero non-200 answers through NGINX for the whole run, and provenance for what was served.
    const stats = await simulator!.stop();
    simulator = undefined;
    log.info('simulator', { requests: stats.requests.sent, byStatus: stats.requests.byStatus, p99: stats.requests.latencyMs.p99 });
    expect(stats.requests.completed).toBeGreaterThan(1000);
    // On failure, say what NGINX saw for each answer that was not a 200 (tries, upstream statuses, times).
    const notOk = () =>
      readFileSync(nginx!.accessLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"GET /recommend/') && !/" 200 \d+ rid=/.test(l))
        .slice(0, 20)
        .join('\n');
    expect(Object.keys(stats.requests.byStatus), `${JSON.stringify(stats.requests.byStatus)}\n${notOk()}`).toEqual(['200']);
    expect(stats.sinkErrors).toBe(0);

    const conn = await mysql.createConnection({ ...db.settings });
    try {
      // Every /recommend NGINX answered has a row under its request id, from the process that served
      // it: the recorders flush every 200 ms, or within 3 s while the CPU is saturated.
      const answered = readFileSync(nginx!.accessLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"GET /recommend/') && / 200 \d+ rid=/.test(l))
        .map((l) => /rid=(\S+)/.exec(l)![1]);
      expect(answered.length).toBeGreaterThanOrEqual(stats.requests.completed);
      const missingRows = async () => {
        const [idRows] = await conn.query('SELECT DISTINCT request_id AS id FROM reccom WHERE status = 200');
        const recorded = new Set((idRows as Array<{ id: string }>).map((r) => r.id));
        return answered.filter((id) => !recorded.has(id));
      };
      let missing = await missingRows();
      for (const deadline = Date.now() + 10_000; missing.length > 0 && Date.now() < deadline; ) {
        await sleep(250);
        missing = await missingRows();
      }
      expect(missing.slice(0, 5), `${missing.length} of ${answered.length} answered requests have no reccom row`).toEqual([]);

      const [rows] = await conn.query(
        'SELECT version_number AS v, track, COUNT(*) AS n FROM reccom WHERE status = 200 GROUP BY version_number, track',
      );
      const served = Object.fromEntries((rows as Array<{ v: string; track: string; n: number }>).map((r) => [`${r.v}/${r.track}`, Number(r.n)]));
      log.info('reccom rows', served);
      for (const key of ['base/stable', 'base/canary', '1/canary', '1/stable', `${SLOW}/canary`]) {
        expect(served[key] ?? 0, `reccom rows for ${key} (all: ${JSON.stringify(served)})`).toBeGreaterThan(0);
      }
    } finally {
      await conn.end();
    }
  }, 420_000);
});
