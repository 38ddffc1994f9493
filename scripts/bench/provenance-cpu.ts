// What recording provenance costs one replica in CPU (`npm run bench -- provenance-cpu`, issue 8).
//
// Throughput through NGINX (deployment.ts) moves by ±10 % from run to run on a shared 2-core VM, so
// a cost of a few percent cannot be read from it. This suite measures the cost directly: one
// replica per mode (off, on, and any variants), each under the same fixed open-loop rate from the
// paced generator (_paced-load.ts, its own process), and the replica's CPU time read from
// /proc/<pid>/stat (all its threads: main, thread pool, rank workers) → CPU µs per answer. At a
// fixed rate the work is the same in every mode, so the difference is the recording's own cost,
// whatever else the machine is doing (noise moves the figures, it does not bias one mode).
// MariaDB's CPU over the same window (its pid's /proc stat, the catch-up included) is reported
// per answer too: it shares the cores. Modes alternate and their order rotates from rep to rep.
//
// Each provenance run ends only once every answer's row is in MariaDB (the replica's
// provenance_written_total), so the figure "with catch-up" includes the last batches' MySQL writes.
//
// Settings (environment):
//   BENCH_PCPU_RATE      requests per second (default 2000)
//   BENCH_PCPU_SECONDS   length of a measured run (default 10)
//   BENCH_PCPU_REPS      runs per mode (default 5)
//   BENCH_PCPU_MODEL     model folder (default: models/sample, trained into a temp dir if missing)
//   BENCH_PCPU_VARIANTS  extra provenance-on modes: `name:VAR=value,VAR=value;name2:...`
//   BENCH_PCPU_PROF      a directory: replicas run with --cpu-prof and write their profiles there
//   BENCH_PCPU_COMPARE   another checkout of the repo (e.g. a `git worktree` of an earlier commit):
//                        its replica also runs as modes base-off and base-on, interleaved with
//                        these, for a before/after under the same conditions
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { spawnLogged, tailFile } from '../../services/core/spawn-logged.ts';
import { freePort, stopChild } from '../../services/core/child-process.ts';
import { cpuSeconds, pidByCommand } from '../../services/core/process-stat.ts';
import { median, quantile } from '../../services/core/stats.ts';
import { createTestDatabase, mysqlEnvOf } from '../../services/core/testing/mysql.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import { runTraining } from '../../services/model/index.ts';
import { runPaced } from './_paced-run.ts';
import { parseVariants } from './_variants.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const int = (name: string, def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def).parse(process.env[name], { error: () => `${name} must be an integer in ${min}..${max}` });
const RATE = int('BENCH_PCPU_RATE', 2000, 10, 50_000);
const SECONDS = int('BENCH_PCPU_SECONDS', 10, 1, 600);
const REPS = int('BENCH_PCPU_REPS', 5, 1, 50);
const WARM_SECONDS = 5;
const USERS = Int32Array.from({ length: 610 }, (_, i) => i + 1); // ml-latest-small's users
const CONNECTIONS = 16;

const say = (msg: string) => process.stdout.write(`${msg}\n`);

interface Replica {
  mode: string;
  port: number;
  pid: number;
  child: ChildProcess;
  log: string;
  /** Provenance on: a run ends once its rows are written. */
  records: boolean;
}

interface Run {
  mode: string;
  rep: number;
  served: number;
  replicaRunUs: number;
  replicaAllUs: number;
  mysqlUs: number;
  catchUpS: number;
  p50: number;
  p99: number;
}

type Figure = Exclude<keyof Run, 'mode'>;

/** "median (min-max)" of a sample. */
const spreadText = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;

async function written(r: Replica): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
  return Number(/^provenance_written_total (\S+)$/m.exec(text)?.[1] ?? 0);
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-pcpu-'));
  const replicas: Replica[] = [];
  let dropDb: (() => Promise<void>) | undefined;
  try {
    let model = process.env.BENCH_PCPU_MODEL ?? join(repoRoot, 'models/sample');
    if (!existsSync(join(model, 'manifest.json'))) {
      say('training the sample model (models/sample is missing) ...');
      model = join(work, 'sample');
      await runTraining({ ratings: join(repoRoot, 'data/sample/ratings.csv'), out: model, version: 'sample' });
    }
    const db = await createTestDatabase('marquee_bench');
    dropDb = db.drop;
    const variants = parseVariants(process.env.BENCH_PCPU_VARIANTS ?? '', 'BENCH_PCPU_VARIANTS', ['off', 'on']);
    // `on` writes its rows as batches fill (no write-behind): deferring moves the same work to later,
    // by an amount that depends on what else loads the host, and the window would then hold the
    // replica's idle time and the metrics polls of the wait. A variant can set the default back.
    const modes: Record<string, Record<string, string>> = { off: { PROVENANCE: 'off' }, on: { PROVENANCE: 'on', PROVENANCE_MAX_DEFER_MS: '0' } };
    for (const [name, env] of Object.entries(variants)) modes[name] = { ...modes.on, ...env };
    const compare = process.env.BENCH_PCPU_COMPARE ? resolve(process.env.BENCH_PCPU_COMPARE) : undefined;
    if (compare) Object.assign(modes, { 'base-off': modes.off, 'base-on': modes.on });
    const cwdOf = (mode: string) => (compare && mode.startsWith('base-') ? compare : repoRoot);
    const prof = process.env.BENCH_PCPU_PROF ? resolve(process.env.BENCH_PCPU_PROF) : undefined;
    if (prof) mkdirSync(prof, { recursive: true });

    for (const [mode, env] of Object.entries(modes)) {
      const port = await freePort();
      const log = join(work, `${mode}.log`);
      const args = ['--import', 'tsx', ...(prof ? ['--cpu-prof', '--cpu-prof-dir', join(prof, mode)] : []), 'services/inference/main.ts'];
      const started = spawnLogged(process.execPath, args, {
        cwd: cwdOf(mode),
        logFile: log,
        env: {
          ...process.env,
          ...mysqlEnvOf(db.settings),
          PORT: String(port),
          HOST: '127.0.0.1',
          MODEL_PATH: model,
          REPLICA_NAME: `pcpu-${mode}-${port}`,
          PROVENANCE_SPOOL_DIR: join(work, 'spool'),
          LOG_LEVEL: 'warn',
          ...env,
        },
      });
      const replica = { mode, port, pid: started.pid, child: started.child, log, records: env.PROVENANCE === 'on' };
      replicas.push(replica);
      let died: string | undefined;
      void started.exited.then((how) => (died = how));
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { what: `replica ${mode}`, timeoutMs: 60_000, died: () => died && `${died}\n${tailFile(log)}` });
    }
    const mysqlPid = pidByCommand(/^(mariadbd|mysqld)$/);
    const load = async (r: Replica, seconds: number) =>
      runPaced({ host: '127.0.0.1', port: r.port, rate: RATE, seconds, warmSeconds: 0, users: USERS, connections: CONNECTIONS });
    /** Waits until the replica has written `rows` more rows than `from` (deferred ones included). */
    const drained = async (r: Replica, from: number, rows: number) => {
      const deadline = Date.now() + 120_000;
      while ((await written(r)) - from < rows) {
        if (Date.now() > deadline) throw new Error(`replica ${r.mode}: rows not all written after 120 s`);
        await sleep(250); // each poll renders /metrics: a little CPU, counted
      }
    };

    say(`one replica per mode (${Object.keys(modes).join(', ')}), ${RATE} req/s open loop, ${SECONDS} s x ${REPS} reps; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const r of replicas) {
      const w0 = r.records ? await written(r) : 0;
      const f = await load(r, WARM_SECONDS);
      if (r.records) await drained(r, w0, f.requests - f.non2xx - f.errors);
    }
    const runs: Run[] = [];
    for (let rep = 1; rep <= REPS; rep++) {
      const order = replicas.map((_, i) => replicas[(i + rep - 1) % replicas.length]);
      for (const r of order) {
        const records = r.records;
        const w0 = records ? await written(r) : 0;
        const c0 = cpuSeconds(r.pid);
        const m0 = mysqlPid ? cpuSeconds(mysqlPid) : 0;
        const f = await load(r, SECONDS);
        const end = performance.now();
        const cRun = cpuSeconds(r.pid) - c0;
        const served = f.requests - f.non2xx - f.errors;
        if (records) await drained(r, w0, served);
        const catchUpS = (performance.now() - end) / 1000;
        const cAll = cpuSeconds(r.pid) - c0;
        const mysql = mysqlPid ? cpuSeconds(mysqlPid) - m0 : 0;
        const sorted = f.latencies.slice().sort();
        const us = (s: number) => (s * 1e6) / Math.max(1, served);
        const x: Run = {
          mode: r.mode,
          rep,
          served,
          replicaRunUs: us(cRun),
          replicaAllUs: us(cAll),
          mysqlUs: us(mysql),
          catchUpS,
          p50: sorted.length ? quantile(Array.from(sorted), 0.5) : NaN,
          p99: sorted.length ? quantile(Array.from(sorted), 0.99) : NaN,
        };
        runs.push(x);
        say(
          `rep ${rep} ${r.mode.padEnd(10)} ${served} answers (non-2xx ${f.non2xx}, errors ${f.errors}); replica CPU µs/answer ` +
            `${x.replicaRunUs.toFixed(1)} during, ${x.replicaAllUs.toFixed(1)} with catch-up (${catchUpS.toFixed(1)} s); ` +
            `MariaDB ${x.mysqlUs.toFixed(1)}; p50 ${x.p50.toFixed(2)} ms p99 ${x.p99.toFixed(2)} ms; load ${loadavg()[0].toFixed(2)}`,
        );
      }
    }
    say(`\nCPU µs per answer, median (min-max) of ${REPS} runs; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const of = (mode: string, k: Figure) => runs.filter((r) => r.mode === mode).map((r) => r[k]);
    for (const mode of Object.keys(modes)) {
      say(
        `${mode.padEnd(10)} replica ${spreadText(of(mode, 'replicaRunUs'))} during, ${spreadText(of(mode, 'replicaAllUs'))} with catch-up; ` +
          `MariaDB ${spreadText(of(mode, 'mysqlUs'))}; p99 ${median(of(mode, 'p99')).toFixed(2)} ms`,
      );
    }
    // Paired by rep: the difference to that rep's off run, so drift over the suite cancels.
    for (const mode of Object.keys(modes).filter((m) => m !== 'off' && m !== 'base-off')) {
      const off = mode.startsWith('base-') ? 'base-off' : 'off';
      const diff = (k: Figure) => runs.filter((r) => r.mode === mode).map((r) => r[k] - runs.find((o) => o.mode === off && o.rep === r.rep)![k]);
      say(`${mode.padEnd(10)} − ${off}, paired: replica ${spreadText(diff('replicaAllUs'))} µs/answer with catch-up, MariaDB ${spreadText(diff('mysqlUs'))}`);
    }
  } finally {
    for (const r of replicas) await stopChild(r.child, 'SIGTERM', 15_000).catch(() => undefined);
    await dropDb?.().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
