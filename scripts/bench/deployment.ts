// Deployment benchmarks (`npm run bench -- deployment`):
//  1. Throughput and latency through NGINX in front of three local inference replicas (the
//     ml-latest-small sample model), with provenance recording off, on (as deployed: replicas with
//     PROVENANCE=nginx, NGINX's provenance log, the shipper writing behind while the CPU is
//     saturated, up to PROVENANCE_MAX_DEFER_MS) and on without deferral (the shipper with
//     PROVENANCE_MAX_DEFER_MS=0: what saturation longer than the defer window costs):
//     autocannon, 24 connections, 10 s per run, five rounds of one run per mode (the order rotates;
//     BENCH_DEPLOYMENT_SECONDS and BENCH_DEPLOYMENT_ROUNDS change both)
//     after a warm-up; medians reported, and the cost per round against that round's off run.
//     Target: recording costs < 5 %. After each provenance run the benchmark
//     waits until every served request has its reccom row (the catch-up time is reported), so no
//     write spills into the next run; CPU seconds per process (replicas, NGINX, the shipper,
//     MariaDB when local, the load generator) are read from /proc for each run, catch-up writes
//     included, and the replicas' garbage collection time from their /metrics.
//  2. Time from `release` start to promotion with a 30 s window (deploy, observe, judge, promote),
//     under 30 req/s of background traffic, Prometheus scraping every second.
// Writes docs/charts/deployment.svg (throughput) and docs/charts/deployment-release.svg (phases).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { z } from 'zod';
import { barChartSvg } from '../../services/core/chart.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { startNginx, type LocalNginx } from '../../deploy/localstack/nginx.ts';
import { startShipper, type LocalShipper } from '../../deploy/localstack/shipper.ts';
import { freePort } from '../../services/core/child-process.ts';
import { childPids, cpuSeconds, pidByCommand } from '../../services/core/process-stat.ts';
import { startPrometheus } from '../../deploy/localstack/prometheus.ts';
import { createTestDatabase, mysqlEnvOf } from '../../services/core/testing/mysql.ts';
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
import { median } from '../../services/core/stats.ts';
import { parseVariants } from './_variants.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLE_RATINGS = join(repoRoot, 'data/sample/ratings.csv');
const CONNECTIONS = 24;
/**
 * BENCH_DEPLOYMENT_SECONDS: length of a run. Shorter runs in more rounds pair each mode's run with
 * an off run closer in time, for a machine whose speed drifts over minutes.
 */
const SECONDS = z.coerce.number().int().min(2).max(600).default(10).parse(process.env.BENCH_DEPLOYMENT_SECONDS, { error: () => 'BENCH_DEPLOYMENT_SECONDS must be an integer in 2..600' });
/** BENCH_DEPLOYMENT_ROUNDS: fewer rounds for a quick comparison, more for a drifting machine (the figures in docs use 5). */
const ROUNDS = z.coerce.number().int().min(1).max(40).default(5).parse(process.env.BENCH_DEPLOYMENT_ROUNDS, { error: () => 'BENCH_DEPLOYMENT_ROUNDS must be an integer in 1..40' });
const WARM_SECONDS = 5;
const USERS = 610; // ml-latest-small's user ids are 1..610

const say = (msg: string) => process.stdout.write(`${msg}\n`);

/**
 * off: no provenance; on: as deployed (PROVENANCE=nginx: NGINX's provenance log, the shipper
 * writing behind while the CPU is saturated); sustained: the shipper without deferral; plus any
 * variants named in BENCH_DEPLOYMENT_VARIANTS, to compare settings side by side in one run:
 * `name:VAR=value,VAR=value;name2:...` (each a provenance-on stack with those variables, given to
 * the replicas and the shipper; `PROVENANCE=on` is the replicas' own recorder and spool).
 */
type Mode = string;
const VARIANTS = parseVariants(process.env.BENCH_DEPLOYMENT_VARIANTS ?? '', 'BENCH_DEPLOYMENT_VARIANTS', ['off', 'on', 'sustained']);
const MODES: readonly Mode[] = ['off', 'on', 'sustained', ...Object.keys(VARIANTS)];
const LABEL: Record<Mode, string> = {
  off: 'provenance off',
  on: 'provenance on',
  sustained: 'provenance on, shipper without deferral',
  ...Object.fromEntries(Object.entries(VARIANTS).map(([name, env]) => [name, `provenance on, ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`])),
};
/** How a mode's stack records: not at all, by NGINX and the shipper, or by the replicas themselves. */
const provenanceOf = (mode: Mode): 'off' | 'nginx' | 'on' => {
  if (mode === 'off') return 'off';
  const p = VARIANTS[mode]?.PROVENANCE ?? 'nginx';
  if (p !== 'off' && p !== 'nginx' && p !== 'on') throw new Error(`BENCH_DEPLOYMENT_VARIANTS: PROVENANCE=${p} is not off, nginx or on`);
  return p;
};
const records = (mode: Mode) => provenanceOf(mode) !== 'off';
/** Environment of each mode's replicas beyond the common settings. */
const envOf = (mode: Mode): Record<string, string> =>
  mode === 'sustained' ? { PROVENANCE_MAX_DEFER_MS: '0' } : (VARIANTS[mode] ?? {});

interface LoadFigure {
  mode: Mode;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses received. */
  served: number;
}

interface CpuGroups {
  replicas: number[];
  nginx: number[];
  /** The provenance shipper (PROVENANCE=nginx stacks). */
  shipper: number[];
  mysql: number[];
}
type CpuUse = { replicas: number; nginx: number; shipper: number; mysql: number; load: number };

function cpuNow(g: CpuGroups): CpuUse {
  const sum = (pids: number[]) => pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const self = process.cpuUsage();
  return { replicas: sum(g.replicas), nginx: sum(g.nginx), shipper: sum(g.shipper), mysql: sum(g.mysql), load: (self.user + self.system) / 1e6 };
}
const cpuSince = (g: CpuGroups, t0: CpuUse): CpuUse => {
  const t = cpuNow(g);
  return { replicas: t.replicas - t0.replicas, nginx: t.nginx - t0.nginx, shipper: t.shipper - t0.shipper, mysql: t.mysql - t0.mysql, load: t.load - t0.load };
};

async function slots(): Promise<LocalSlot[]> {
  const p = await Promise.all(Array.from({ length: 3 }, () => freePort()));
  return [
    { name: 'stable-1', track: 'stable', port: p[0] },
    { name: 'stable-2', track: 'stable', port: p[1] },
    { name: 'canary', track: 'canary', port: p[2] },
  ];
}

async function load(nginx: LocalNginx, mode: Mode, seconds = SECONDS): Promise<LoadFigure> {
  const r = await autocannon({
    url: nginx.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: `/recommend/${1 + Math.floor(Math.random() * USERS)}` }) }],
  });
  return { mode, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, served: r['2xx'] };
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
    const stacks = {} as Record<Mode, { orch: LocalOrchestrator; nginx: LocalNginx; shipper?: LocalShipper; cpu: CpuGroups }>;
    const mysqlPid = pidByCommand(/^(mariadbd|mysqld)$/);
    // Set once NGINX and Prometheus watch the provenance-off stack, for the release in part 2.
    const follow: { to?: (endpoints: LocalEndpoint[]) => Promise<void> } = {};
    for (const mode of MODES) {
      say(`starting three replicas, ${LABEL[mode]} ...`);
      const orch = createLocalOrchestrator({
        repoRoot,
        modelsDir,
        stateFile: join(work, `stack-${mode}.json`),
        logDir: join(work, `logs-${mode}`),
        slots: await slots(),
        env: {
          ...envOf(mode),
          PROVENANCE: provenanceOf(mode),
          ...mysqlEnvOf(s),
          LOG_LEVEL: 'warn',
        },
        onEndpointsChange: async (endpoints) => follow.to?.(endpoints),
      });
      cleanups.push(() => orch.down());
      const endpoints = await orch.up('sample');
      const nginx = await startNginx({ port: 0, upstreams: upstreamsOf(endpoints), provenance: provenanceOf(mode) === 'nginx' });
      cleanups.push(() => nginx.stop());
      const shipper =
        provenanceOf(mode) === 'nginx'
          ? await startShipper({ repoRoot, nginx, env: { ...envOf(mode), ...mysqlEnvOf(s), LOG_LEVEL: 'warn' }, logFile: join(work, `logs-${mode}`, 'shipper.out') })
          : undefined;
      if (shipper) cleanups.push(() => shipper.stop());
      const state = JSON.parse(readFileSync(join(work, `stack-${mode}.json`), 'utf8')) as { slots: Record<string, { pid: number }> };
      const cpu = {
        replicas: Object.values(state.slots).map((slot) => slot.pid),
        nginx: [nginx.pid, ...childPids(nginx.pid)],
        shipper: shipper ? [shipper.identity.pid] : [],
        mysql: mysqlPid === undefined ? [] : [mysqlPid],
      };
      stacks[mode] = { orch, nginx, shipper, cpu };
    }

    // 1. The three modes, alternating so drift on the shared machine hits each. Every provenance
    // run (the warm-up too) ends only once all its rows are in MariaDB.
    const conn = await mysql.createConnection({ ...s });
    const reccomRows = async () => {
      const [[{ n }]] = (await conn.query('SELECT COUNT(*) AS n FROM reccom')) as unknown as [[{ n: number }]];
      return Number(n);
    };
    /**
     * Rows a stack says it wrote (the shipper's provenance_shipped_total, or the replicas'
     * provenance_written_total): free for MariaDB to ask.
     */
    const writtenBy = async (mode: Mode) => {
      const shipper = stacks[mode].shipper;
      if (shipper) return shipper.shipped();
      let sum = 0;
      for (const e of stacks[mode].orch.endpoints()) {
        const text = await (await fetch(`http://${e.address}/metrics`)).text();
        sum += Number(/^provenance_written_total (\S+)$/m.exec(text)?.[1] ?? 0);
      }
      return sum;
    };
    /**
     * Waits (up to 90 s: a deferred backlog waits for the CPU to calm down) until the stack's
     * replicas have written `rows` more than `written0`. Polls the replicas' metrics, not MariaDB:
     * a COUNT(*) every 100 ms would itself load the CPU it measures.
     */
    const drained = async (mode: Mode, written0: number, rows: number) => {
      const deadline = Date.now() + 90_000;
      while ((await writtenBy(mode)) - written0 < rows && Date.now() < deadline) {
        await sleep(100);
      }
    };
    /**
     * Seconds the stack's replicas spent in garbage collection so far, by kind (prom-client's
     * nodejs_gc_duration_seconds): how much of a mode's CPU per answer is the collector's.
     */
    const gcOf = async (mode: Mode): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const e of stacks[mode].orch.endpoints()) {
        const text = await (await fetch(`http://${e.address}/metrics`)).text();
        for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
      }
      return out;
    };
    const gcSince = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));
    // Warm-up: JIT, keep-alive connections, answer caches; with provenance also the table, the
    // buffer pool and the prepared statements of each replica's connections.
    for (const mode of MODES) {
      say(`warm-up: ${LABEL[mode]}, ${WARM_SECONDS} s ...`);
      const written0 = records(mode) ? await writtenBy(mode) : 0;
      const f = await load(stacks[mode].nginx, mode, WARM_SECONDS);
      if (records(mode)) await drained(mode, written0, f.served);
    }
    const figures: Array<LoadFigure & { round: number; cpu: CpuUse; cpuRun: CpuUse; rows: number; catchUpSeconds: number; gcRun: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // The order rotates from round to round, so that no mode always follows another one's
      // catch-up (MariaDB flushes pages for a while after a burst of writes).
      const order = MODES.map((_, i) => MODES[(i + round - 1) % MODES.length]);
      for (const mode of order) {
        say(`round ${round}/${ROUNDS}: ${LABEL[mode]}, ${CONNECTIONS} connections, ${SECONDS} s ...`);
        const rows0 = await reccomRows();
        const written0 = records(mode) ? await writtenBy(mode) : 0;
        const gc0 = await gcOf(mode);
        const t0 = cpuNow(stacks[mode].cpu);
        const f = await load(stacks[mode].nginx, mode);
        const loadEnd = performance.now();
        const cpuRun = cpuSince(stacks[mode].cpu, t0);
        const gcRun = gcSince(gc0, await gcOf(mode));
        const writtenDuring = records(mode) ? (await writtenBy(mode)) - written0 : 0;
        if (records(mode)) await drained(mode, written0, f.served);
        const catchUpSeconds = (performance.now() - loadEnd) / 1000;
        // Read before the COUNT(*) below, which scans the whole table: not part of the cost.
        const cpu = cpuSince(stacks[mode].cpu, t0);
        const rows = (await reccomRows()) - rows0;
        const us = (sec: number) => ((sec * 1e6) / Math.max(1, f.served)).toFixed(0);
        const gcText = (g: Record<string, number>) =>
          `${us(Object.values(g).reduce((a, v) => a + v, 0))} (${Object.entries(g).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${us(v)}`).join(', ')})`;
        const cpuText = (c: CpuUse) =>
          `replicas ${us(c.replicas)}, NGINX ${us(c.nginx)}` +
          (stacks[mode].shipper ? `, shipper ${us(c.shipper)}` : '') +
          (stacks[mode].cpu.mysql.length ? `, MariaDB ${us(c.mysql)}` : '') +
          `, load generator ${us(c.load)}`;
        say(
          `  ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, non-2xx ${f.non2xx}, errors ${f.errors} (timeouts ${f.timeouts})` +
            (records(mode)
              ? `, ${rows} reccom rows for ${f.served} answers (${writtenDuring} written during the run, all ${catchUpSeconds.toFixed(1)} s after it)`
              : '') +
            `\n  CPU µs per request during the run: ${cpuText(cpuRun)}; of the replicas' garbage collection ${gcText(gcRun)}` +
            (records(mode) ? `\n  CPU µs per request, catch-up included: ${cpuText(cpu)}` : ''),
        );
        figures.push({ ...f, round, cpu, cpuRun, rows, catchUpSeconds, gcRun: Object.values(gcRun).reduce((a, v) => a + v, 0) });
      }
    }
    const of = (mode: Mode) => figures.filter((f) => f.mode === mode);
    const med = (mode: Mode, k: 'rps' | 'p50' | 'p99' | 'catchUpSeconds') => median(of(mode).map((f) => f[k]));
    const cpuPerRequest = (mode: Mode, k: keyof CpuUse, during = false) =>
      median(of(mode).map((f) => ((during ? f.cpuRun : f.cpu)[k] * 1e6) / Math.max(1, f.served)));
    const cost = (mode: Mode) => 1 - med(mode, 'rps') / med('off', 'rps');
    /** Cost from each round's own off run: drift over the suite cancels within a round. */
    const pairedCosts = (mode: Mode) =>
      of(mode).map((f) => 1 - f.rps / of('off').find((o) => o.round === f.round)!.rps);
    const rows = await reccomRows();
    await conn.end();
    const list = (mode: Mode) => of(mode).map((f) => f.rps.toFixed(0)).join(', ');
    const cpuTotal = (mode: Mode, during: boolean) =>
      (['replicas', 'nginx', 'shipper', 'mysql', 'load'] as const).reduce((a, k) => a + cpuPerRequest(mode, k, during), 0);
    const cpuLine = (mode: Mode, during: boolean) =>
      `replicas ${cpuPerRequest(mode, 'replicas', during).toFixed(0)}, NGINX ${cpuPerRequest(mode, 'nginx', during).toFixed(0)}, ` +
      `shipper ${cpuPerRequest(mode, 'shipper', during).toFixed(0)}, ` +
      `MariaDB ${cpuPerRequest(mode, 'mysql', during).toFixed(0)}, load generator ${cpuPerRequest(mode, 'load', during).toFixed(0)}; ` +
      `all ${cpuTotal(mode, during).toFixed(0)}`;
    for (const mode of MODES) {
      say(
        `${LABEL[mode]}: ${med(mode, 'rps').toFixed(0)} req/s median of ${list(mode)} ` +
          `(p50 ${med(mode, 'p50').toFixed(1)} ms, p99 ${med(mode, 'p99').toFixed(1)} ms` +
          (records(mode) ? `, rows all written ${med(mode, 'catchUpSeconds').toFixed(1)} s after the run` : '') +
          `)\n  CPU µs per request (medians) during the run: ${cpuLine(mode, true)}; of the replicas' garbage collection ` +
          `${median(of(mode).map((f) => (f.gcRun * 1e6) / Math.max(1, f.served))).toFixed(1)}` +
          (records(mode) ? `\n  CPU µs per request (medians), catch-up included: ${cpuLine(mode, false)}` : ''),
      );
    }
    say(`${rows} reccom rows in all`);
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    const costOf: Array<[Mode, string]> = [
      ['on', 'recording cost'],
      ['sustained', 'recording cost without deferral (saturation longer than the defer window)'],
      ...Object.keys(VARIANTS).map((v): [Mode, string] => [v, `recording cost, ${LABEL[v]}`]),
    ];
    for (const [mode, what] of costOf) {
      say(
        `${what}: ${pct(cost(mode))} of throughput (medians); per round against that round's off run ` +
          `${pairedCosts(mode).map(pct).join(', ')}, median ${pct(median(pairedCosts(mode)))}` +
          (mode === 'on' ? ' (target < 5 %)' : ''),
      );
    }
    for (const mode of MODES.filter(records)) {
      await stacks[mode].shipper?.stop();
      await stacks[mode].nginx.stop();
      await stacks[mode].orch.down();
    }

    if (process.env.BENCH_DEPLOYMENT_RELEASE === 'skip') return;
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
      barChartSvg(`Through NGINX, 3 replicas, ${CONNECTIONS} connections (req/s, median of ${ROUNDS})`, [
        ...MODES.map((mode) => ({ label: LABEL[mode], value: med(mode, 'rps') })),
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
