// Deployment benchmarks (`npm run bench -- deployment`):
//  1. Throughput and latency through NGINX in front of three local inference replicas (the
//     ml-latest-small sample model), with provenance recording off and on (MariaDB): autocannon,
//     24 connections, 10 s per run, two alternating runs per mode. Target: recording costs < 5 %.
//  2. Time from `release` start to promotion with a 30 s window (deploy, observe, judge, promote),
//     under 30 req/s of background traffic, Prometheus scraping every second.
// Writes docs/charts/deployment.svg (throughput) and docs/charts/deployment-release.svg (phases).
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { barChartSvg } from '../../services/core/chart.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { startNginx, type LocalNginx } from '../../services/core/localstack/nginx.ts';
import { freePort } from '../../services/core/localstack/process.ts';
import { startPrometheus } from '../../services/core/localstack/prometheus.ts';
import { createTestDatabase } from '../../services/core/testing/mysql.ts';
import { runTraining } from '../../services/model/index.ts';
import { createReleaseController } from '../../services/release/controller.ts';
import { DEFAULT_THRESHOLDS, thresholdJudge } from '../../services/release/judge.ts';
import {
  createLocalOrchestrator,
  scrapeTargetsOf,
  upstreamsOf,
  type LocalEndpoint,
  type LocalOrchestrator,
  type LocalSlot,
} from '../../services/release/local-orchestrator.ts';
import { createPrometheusClient } from '../../services/release/prometheus-client.ts';
import { memoryStateStore } from '../../services/release/state.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLE_RATINGS = join(repoRoot, 'data/sample/ratings.csv');
const CONNECTIONS = 24;
const SECONDS = 10;
const ROUNDS = 2;
const USERS = 610; // ml-latest-small's user ids are 1..610

const say = (msg: string) => process.stdout.write(`${msg}\n`);

interface LoadFigure {
  mode: 'off' | 'on';
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function slots(): Promise<LocalSlot[]> {
  const p = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  return [
    { name: 'stable-1', track: 'stable', ports: [p[0], p[1]] },
    { name: 'stable-2', track: 'stable', ports: [p[2], p[3]] },
    { name: 'canary', track: 'canary', ports: [p[4], p[5]] },
  ];
}

async function load(nginx: LocalNginx, mode: 'off' | 'on', seconds = SECONDS): Promise<LoadFigure> {
  const r = await autocannon({
    url: nginx.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: `/recommend/${1 + Math.floor(Math.random() * USERS)}` }) }],
  });
  return { mode, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-deployment-'));
  const modelsDir = join(work, 'models');
  mkdirSync(modelsDir);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    // The sample model (ml-latest-small), as `npm start` serves it; trained here if missing.
    const shipped = join(repoRoot, 'models/sample');
    if (existsSync(join(shipped, 'manifest.json'))) symlinkSync(shipped, join(modelsDir, 'sample'));
    else {
      say('training the sample model (models/sample is missing) ...');
      await runTraining({ ratings: SAMPLE_RATINGS, out: join(modelsDir, 'sample'), version: 'sample' });
    }
    // The release candidate: a second, quickly trained model on the same data.
    await runTraining({ ratings: SAMPLE_RATINGS, out: join(modelsDir, 'candidate'), version: 'candidate', params: { factors: 20, epochs: 5 } });

    const db = await createTestDatabase('marquee_bench');
    cleanups.push(() => db.drop());
    const s = db.settings;
    const stacks = {} as Record<'off' | 'on', { orch: LocalOrchestrator; nginx: LocalNginx }>;
    // Set once NGINX and Prometheus watch the provenance-off stack, for the release in part 2.
    const follow: { to?: (endpoints: LocalEndpoint[]) => Promise<void> } = {};
    for (const mode of ['off', 'on'] as const) {
      say(`starting three replicas with provenance ${mode} ...`);
      const orch = createLocalOrchestrator({
        repoRoot,
        modelsDir,
        stateFile: join(work, `stack-${mode}.json`),
        logDir: join(work, `logs-${mode}`),
        slots: await slots(),
        env: {
          PROVENANCE: mode,
          MYSQL_HOST: s.host,
          MYSQL_PORT: String(s.port),
          MYSQL_USER: s.user,
          MYSQL_PASSWORD: s.password,
          MYSQL_DATABASE: s.database,
          LOG_LEVEL: 'warn',
        },
        onEndpointsChange: async (endpoints) => follow.to?.(endpoints),
      });
      cleanups.push(() => orch.down());
      const endpoints = await orch.up('sample');
      const nginx = await startNginx({ port: 0, upstreams: upstreamsOf(endpoints) });
      cleanups.push(() => nginx.stop());
      stacks[mode] = { orch, nginx };
    }

    // 1. Provenance off vs on, alternating so drift on the shared machine hits both.
    for (const mode of ['off', 'on'] as const) await load(stacks[mode].nginx, mode, 2); // warm caches and JIT
    const figures: LoadFigure[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['off', 'on'] as const) {
        say(`round ${round}/${ROUNDS}: provenance ${mode}, ${CONNECTIONS} connections, ${SECONDS} s ...`);
        const f = await load(stacks[mode].nginx, mode);
        say(`  ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, non-2xx ${f.non2xx}, errors ${f.errors}`);
        figures.push(f);
      }
    }
    const mean = (mode: 'off' | 'on', k: 'rps' | 'p50' | 'p99') => {
      const xs = figures.filter((f) => f.mode === mode).map((f) => f[k]);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const cost = 1 - mean('on', 'rps') / mean('off', 'rps');
    const conn = await mysql.createConnection({ ...s });
    await new Promise((r) => setTimeout(r, 1500)); // last provenance batch
    const [[{ n: rows }]] = (await conn.query('SELECT COUNT(*) AS n FROM reccom')) as unknown as [[{ n: number }]];
    await conn.end();
    say(
      `provenance off: ${mean('off', 'rps').toFixed(0)} req/s (p50 ${mean('off', 'p50').toFixed(1)} ms, p99 ${mean('off', 'p99').toFixed(1)} ms)\n` +
        `provenance on:  ${mean('on', 'rps').toFixed(0)} req/s (p50 ${mean('on', 'p50').toFixed(1)} ms, p99 ${mean('on', 'p99').toFixed(1)} ms), ${rows} reccom rows\n` +
        `recording cost: ${(cost * 100).toFixed(1)} % of throughput (target < 5 %)`,
    );
    await stacks.on.nginx.stop();
    await stacks.on.orch.down();

    // 2. Release start → promotion with a 30 s window.
    const { orch, nginx } = stacks.off;
    const prometheus = await startPrometheus({ port: 0, targets: scrapeTargetsOf(orch.endpoints()), scrapeIntervalMs: 1000 });
    cleanups.push(() => prometheus.stop());
    follow.to = async (endpoints) => {
      await nginx.reload(upstreamsOf(endpoints));
      await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
    };
    const phases: Array<{ phase: string; at: number }> = [];
    const store = memoryStateStore();
    const traffic = setInterval(() => {
      void fetch(`${nginx.url}/recommend/${1 + Math.floor(Math.random() * USERS)}`).then((r) => r.body?.cancel(), () => undefined);
    }, 1000 / 30);
    const controller = createReleaseController({
      orchestrator: orch,
      prometheus: createPrometheusClient(prometheus.url),
      notifier: { notify: async () => undefined },
      store: {
        load: store.load,
        save(state) {
          if (phases[phases.length - 1]?.phase !== state.phase) phases.push({ phase: state.phase, at: performance.now() });
          store.save(state);
        },
      },
      judge: thresholdJudge(DEFAULT_THRESHOLDS),
      reportsDir: join(work, 'releases'),
      scrapeIntervalMs: 1000,
      logger: silentLogger,
      progressEveryMs: 5000,
    });
    say('release of "candidate" with a 30 s window ...');
    const t0 = performance.now();
    const result = await controller.start('candidate', 30_000);
    const total = (performance.now() - t0) / 1000;
    clearInterval(traffic);
    const steps = phases.map((p, i) => ({
      label: p.phase,
      value: ((phases[i + 1]?.at ?? performance.now()) - p.at) / 1000,
    })).filter((p) => p.label !== 'done');
    say(`release ${result.outcome} in ${total.toFixed(1)} s: ${steps.map((p) => `${p.label} ${p.value.toFixed(1)} s`).join(', ')}`);

    mkdirSync(join(repoRoot, 'docs/charts'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'docs/charts/deployment.svg'),
      barChartSvg(`Through NGINX, 3 replicas, ${CONNECTIONS} connections (req/s)`, [
        { label: 'provenance off', value: mean('off', 'rps') },
        { label: 'provenance on (MariaDB)', value: mean('on', 'rps') },
      ], ' req/s'),
    );
    writeFileSync(
      join(repoRoot, 'docs/charts/deployment-release.svg'),
      barChartSvg(`Release to promotion, 30 s window: ${total.toFixed(1)} s (${result.outcome})`, steps, ' s'),
    );
    say('charts: docs/charts/deployment.svg, docs/charts/deployment-release.svg');
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => say(`cleanup: ${err.message}`));
    rmSync(work, { recursive: true, force: true });
  }
}
