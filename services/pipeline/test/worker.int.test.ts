// `npm run worker` as a process (signals go through npm, as in production) against real Kafka, MariaDB and a bare git remote: bad config,
// a run on start, and SIGTERM while idle and in the middle of a run.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../core/child-process.ts';
import { createTestDatabase } from '../../core/testing/mysql.ts';
import { stopProcess } from '../../core/stop-process.ts';
import { waitUntilReady } from '../../core/wait-for-ready.ts';
import { createPool } from '../../core/db/connection.ts';
import { recommendationLine, watchLine } from '../simulator/lines.ts';
import { createKafkaSink } from '../simulator/sinks.ts';
import { createWorkspace, git, logLinesFor, pipelineEnv, REPO_ROOT, seedRatings } from './run-fixtures.ts';

const BROKERS = '127.0.0.1:9092';

let topic: string;
let lineCount: number;

beforeAll(async () => {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/services/kafka-start.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  topic = `movielog-worker-${randomBytes(4).toString('hex')}`;
  const lines = logLinesFor(seedRatings(2500));
  lineCount = lines.length;
  const sink = createKafkaSink({ brokers: [BROKERS], topic });
  await sink.write(lines);
  await sink.close();
});
const children: ChildProcess[] = [];
const databases: Array<() => Promise<void>> = [];
afterEach(async () => {
  // A failed test must not leave a worker running.
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) continue;
    await stopProcess(c.pid, { signal: 'SIGKILL', graceMs: 0, group: true }); // npm and the node process it started
  }
  for (const drop of databases.splice(0)) await drop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const dirs: string[] = [];
function workspace() {
  const ws = createWorkspace('marquee-worker-');
  dirs.push(ws.root);
  return ws;
}

/** One database per test: each test's working copy starts at version 0. */
async function database() {
  const db = await createTestDatabase('marquee_worker');
  databases.push(db.drop);
  return db.settings;
}

function start(env: Record<string, string>): { child: ChildProcess; exit: Promise<{ code: number | null; stderr: string }> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SMTP_|ALERT_|SLACK_|PIPELINE_|DVC_|GATE_|TRAIN_|MYSQL_|KAFKA_|INGEST_|WORKER_)/.test(k)));
  // Metrics off unless a test asks: the default port 9464 would clash between parallel workers.
  const child = spawn('npm', ['run', '-s', 'worker'], { cwd: REPO_ROOT, env: { ...clean, WORKER_METRICS_PORT: '0', ...env }, detached: true });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, exit };
}

function waitForLog(file: string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const text = () => (existsSync(file) ? readFileSync(file, 'utf8') : '(no log)');
  return waitUntilReady(async () => pattern.test(text()) || `no ${pattern} in ${file}:\n${text()}`, { timeoutMs, what: "the worker's log" });
}

/** Starts the worker, sends SIGTERM once its run is collecting, and returns its log once it has exited 0. */
async function sigtermWhileCollecting(logFile: string, env: Record<string, string>): Promise<string> {
  const { child, exit } = start(env);
  await waitForLog(logFile, /step started step=collect/);
  child.kill('SIGTERM');
  const { code } = await exit;
  expect(code).toBe(0);
  return readFileSync(logFile, 'utf8');
}

const kafkaEnv = (extra: Record<string, string> = {}) => ({
  KAFKA_BROKERS: BROKERS,
  KAFKA_TOPIC: topic,
  KAFKA_GROUP_ID: `marquee-worker-${randomBytes(3).toString('hex')}`,
  ...extra,
});

describe('worker process', () => {
  it('exits 2 naming every bad variable', async () => {
    const ws = workspace();
    const { exit } = start({ ...pipelineEnv(ws, await database()), PIPELINE_CRON: '0 3 */2 * * * *', PIPELINE_STOP_GRACE_MS: '-1' });
    const { code, stderr } = await exit;
    expect(code).toBe(2);
    expect(stderr).toMatch(/worker: invalid configuration:/);
    expect(stderr).toMatch(/PIPELINE_CRON: '0 3 \*\/2 \* \* \* \*' is not a valid cron expression/);
    expect(stderr).toMatch(/PIPELINE_STOP_GRACE_MS/);
  });

  it('runs on start, serves its metrics, then stops on SIGTERM with exit 0', async () => {
    const ws = workspace();
    const port = await freePort();
    const env = {
      ...pipelineEnv(ws, await database(), { PIPELINE_RUN_ON_START: 'true', WORKER_METRICS_PORT: String(port), WORKER_METRICS_HOST: '127.0.0.1' }),
      ...kafkaEnv({ INGEST_MAX_MESSAGES: String(lineCount) }),
    };
    const started = Date.now() / 1000;
    const { child, exit } = start(env);
    await waitForLog(ws.logFile, /run finished status=published version=1/);
    // logged right after the run's last line, so wait for it rather than race it
    await waitForLog(ws.logFile, /worker INFO next run scheduled at=\S+T03:00:00/);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('marquee_pipeline_last_run_success')).toBe(1);
    expect(gauge('marquee_pipeline_last_success_timestamp_seconds')).toBeGreaterThan(started);
    expect(gauge('marquee_pipeline_last_run_timestamp_seconds')).toBe(gauge('marquee_pipeline_last_success_timestamp_seconds'));
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    child.kill('SIGTERM');
    const { code } = await exit;
    expect(code).toBe(0);
    expect(readFileSync(ws.logFile, 'utf8')).toMatch(/worker INFO worker stopped \(idle\)/);
    expect(git(ws.remote, 'log', '-1', '--format=%s', 'main')).toBe('Data and Model version update: [1]');
  });

  it('exports the feedback-loop share per model version from the lines it ingests and reccom', async () => {
    const ws = workspace();
    const db = await database();
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const pool = createPool(db);
    try {
      await pool.query(
        'INSERT INTO reccom (request_id, version_number, user_id, served_at, track, status, latency_ms, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ['req-1', 'v42', 4242, new Date(now - 5 * 60_000), 'stable', 200, 30, 'heat+1995,up+2009'],
      );
    } finally {
      await pool.end();
    }
    const feedbackTopic = `movielog-feedback-${randomBytes(4).toString('hex')}`;
    const lines = [
      recommendationLine(at(now - 5 * 60_000), 4242, 'host:8082', 200, 'heat+1995, up+2009', 30),
      watchLine(at(now - 2 * 60_000), 4242, 'heat+1995', 0),
      watchLine(at(now - 60_000), 4242, 'alien+1979', 0),
    ];
    const sink = createKafkaSink({ brokers: [BROKERS], topic: feedbackTopic });
    await sink.write(lines);
    await sink.close();
    const port = await freePort();
    start({
      ...pipelineEnv(ws, db, { PIPELINE_RUN_ON_START: 'true', WORKER_METRICS_PORT: String(port), WORKER_METRICS_HOST: '127.0.0.1', FEEDBACK_INTERVAL_MS: '1000' }),
      ...kafkaEnv({ KAFKA_TOPIC: feedbackTopic, INGEST_MAX_MESSAGES: String(lines.length) }),
    });
    const share = /^marquee_feedback_watch_share\{version="v42"\} (\S+)$/m;
    let text = '';
    await waitUntilReady(
      async () => {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return share.test(text) || 'no marquee_feedback_watch_share for v42 yet';
      },
      { timeoutMs: 60_000, what: "the worker's feedback metrics" },
    );
    expect(Number(share.exec(text)?.[1])).toBe(0.5);
    expect(text).toMatch(/^marquee_feedback_watches\{version="v42"\} 2$/m);
  });

  it('on SIGTERM mid-run with no grace, aborts at the next step boundary, rolls back and exits 0', async () => {
    const ws = workspace();
    const env = {
      ...pipelineEnv(ws, await database(), { PIPELINE_RUN_ON_START: 'true', PIPELINE_STOP_GRACE_MS: '0', PIPELINE_ABORT_GRACE_MS: '60000' }),
      ...kafkaEnv({ INGEST_WINDOW_MS: '60000', INGEST_IDLE_MS: '2000' }),
    };
    const log = await sigtermWhileCollecting(ws.logFile, env);
    expect(log).toMatch(/aborting the running run/);
    expect(log).toMatch(/run failed status=failed version=1 step=train error="aborted before train: worker shutting down"/);
    expect(log).toMatch(/worker stopped after the run aborted/);
    expect(git(ws.workdir, 'log', '--format=%s')).toBe('initial');
    expect(existsSync(join(ws.workdir, 'data/version.txt'))).toBe(false);
    const models = join(ws.workdir, 'models');
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
  });

  it('on SIGTERM mid-run with grace, lets the run finish and publish, then exits 0', async () => {
    const ws = workspace();
    const env = {
      ...pipelineEnv(ws, await database(), { PIPELINE_RUN_ON_START: 'true', PIPELINE_STOP_GRACE_MS: '60000' }),
      ...kafkaEnv({ INGEST_MAX_MESSAGES: String(lineCount) }),
    };
    const log = await sigtermWhileCollecting(ws.logFile, env);
    expect(log).toMatch(/worker stopping: waiting for the running run/);
    expect(log).toMatch(/run finished status=published version=1/);
    expect(log).toMatch(/worker stopped after the run finished/);
    expect(git(ws.remote, 'log', '-1', '--format=%s', 'main')).toBe('Data and Model version update: [1]');
  });
});
