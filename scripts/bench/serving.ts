// Serving benchmark (`npm run bench -- serving`), autocannon from this process against servers in
// child processes, 16 connections:
//  (a) an Express 5 route returning a fixed 20-id string, (b) node:http returning it, (c) the real
//  service (services/inference/main.ts) with the ml-latest-small model over random known users:
//  saturated req/s and p50/p99, and (c)/(a);
//  then (c) at a fixed 2,000 req/s; then the service with a synthetic 27k-movie × 1M-user ×
//  100-factor model (generated once into var/bench/) at 1,000 req/s over random known users,
//  with its artifact size and load time.
// Fixed offered load is measured two ways. autocannon's `overallRate` lets each connection send its
// quota for the second back to back and then wait for the next second, so it is a burst at
// saturation every second (its p99 is close to the saturated p99). The paced generator below
// sends evenly spaced requests (open loop, latency counted from the planned send time).
// Latency percentiles are computed from every response's own time (autocannon's histogram rounds
// to whole milliseconds). Server CPU per request comes from /proc/<pid>/stat: unlike req/s it
// hardly depends on what else the machine is doing. Writes docs/charts/serving.svg and
// docs/charts/serving-latency.svg and prints a Markdown block for docs/benchmarks.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { barChartSvg } from '../../services/core/chart.ts';
import { loadArtifact, runTraining, type Manifest } from '../../services/model/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const benchDir = join(repoRoot, 'var/bench');
const SMALL_MODEL = join(benchDir, 'ml-small');
const SYNTHETIC_MODEL = join(benchDir, 'synthetic-27k-1m');
const CONNECTIONS = 16;
const SECONDS = 10;
const WARM_SECONDS = 3;

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const fmt = (n: number, digits = 2) => n.toFixed(digits);

interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `file` with node --import tsx and waits for its `listening ... port=N` line. */
function startChild(file: string, args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolveStart, rejectStart) => {
    const timer = setInterval(() => {
      const m = /listening .*port=(\d+)/.exec(out);
      if (!m) return;
      clearInterval(timer);
      resolveStart({
        url: `http://127.0.0.1:${m[1]}`,
        child,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      rejectStart(new Error(`${file} exited before listening:\n${out}`));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface LoadResult {
  label: string;
  /** Server CPU (all threads) per request, µs: robust to a busy machine, unlike req/s. */
  cpuUsPerReq: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/** One autocannon run; `users` draws a random known user id per request (else a fixed path). */
/** CPU time (user + system, ms) used so far by process `pid`, from /proc; NaN where there is none. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

async function load(
  label: string,
  url: string,
  o: { seconds: number; rate?: number; users?: Int32Array; quiet?: boolean; pid?: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const users = o.users;
  let finish!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((res, rej) => ((finish = res), (fail = rej)));
  const instance = autocannon(
    {
      url: `${url}/recommend/1`,
      connections: CONNECTIONS,
      duration: o.seconds,
      overallRate: o.rate,
      requests: users
        ? [
            {
              setupRequest: (req: { path?: string }) => {
                req.path = `/recommend/${users[Math.floor(Math.random() * users.length)]}`;
                return req;
              },
            },
          ]
        : undefined,
    } as autocannon.Options,
    (err, result) => (err ? fail(err as Error) : finish(result)),
  );
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) latencies.push(ms);
  });
  if (!o.quiet) {
    process.stderr.write(`  ${label}: `);
    instance.on('tick', () => process.stderr.write('.'));
  }
  const cpu0 = cpuMs(o.pid);
  const r = await done;
  const cpu = cpuMs(o.pid) - cpu0;
  if (!o.quiet) process.stderr.write('\n');
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return {
    label,
    cpuUsPerReq: (cpu * 1000) / r.requests.total,
    rps: r.requests.total / o.seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/**
 * Open-loop load at `rate` req/s for `seconds`: request j is due at start + j/rate and is sent on the
 * next 1 ms timer tick, whether or not earlier requests have been answered, so a slow server cannot
 * slow the generator down. Latency counts from the send (including any wait for a free socket),
 * not from the due time, so the timer's 1 ms granularity is not charged to the server.
 */
async function paced(label: string, url: string, o: { seconds: number; rate: number; users: Int32Array; pid?: number }): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const total = Math.round(o.rate * o.seconds);
  const cpu0 = cpuMs(o.pid);
  const start = performance.now();
  let sent = 0;
  let done = 0;
  process.stderr.write(`  ${label}: `);
  await new Promise<void>((finish) => {
    const fire = () => {
      const sentAt = performance.now();
      const path = `/recommend/${o.users[Math.floor(Math.random() * o.users.length)]}`;
      const req = get({ agent, hostname, port, path }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - sentAt);
          else non2xx++;
          if (++done === total) finish();
        });
      });
      req.on('error', () => {
        errors++;
        if (++done === total) finish();
      });
    };
    let lastSecond = 0;
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * o.rate) / 1000) + 1);
      for (; sent < due; sent++) fire();
      const second = Math.floor((now - start) / 1000);
      if (second > lastSecond) {
        lastSecond = second;
        process.stderr.write('.');
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  process.stderr.write('\n');
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return {
    label,
    cpuUsPerReq: ((cpuMs(o.pid) - cpu0) * 1000) / total,
    rps: total / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    requests: total,
    errors,
    non2xx,
  };
}

const show = (r: LoadResult) =>
  log(
    `  ${r.label.padEnd(44)} ${fmt(r.rps, 0).padStart(7)} req/s   p50 ${fmt(r.p50)} ms   p99 ${fmt(r.p99)} ms   max ${fmt(r.max)} ms` +
      `   server CPU ${fmt(r.cpuUsPerReq, 0)} µs/req` +
      (r.errors || r.non2xx ? `   errors ${r.errors} non-2xx ${r.non2xx}` : ''),
  );

async function ensureSmallModel(): Promise<void> {
  if (existsSync(join(SMALL_MODEL, 'manifest.json'))) return;
  log(`training the ml-latest-small model into ${SMALL_MODEL} (data/sample/ratings.csv, 100 factors) ...`);
  // A 1 % hold-out keeps nearly every movie in the model (the point here is serving, not accuracy).
  await runTraining({
    ratings: join(repoRoot, 'data/sample/ratings.csv'),
    holdout: 0.01,
    out: SMALL_MODEL,
    version: 'ml-small',
    onProgress: (m) => log(`  ${m}`),
  });
}

async function ensureSyntheticModel(): Promise<Manifest | null> {
  const generator = join(repoRoot, 'scripts/gen-synthetic-model.ts');
  if (!existsSync(generator)) {
    log('  scripts/gen-synthetic-model.ts not found: skipping the 27k × 1M run');
    return null;
  }
  if (!existsSync(join(SYNTHETIC_MODEL, 'manifest.json'))) {
    log(`generating the synthetic 27k × 1M × 100 model into ${SYNTHETIC_MODEL} (once) ...`);
    const { writeSyntheticModel } = (await import('../gen-synthetic-model.ts')) as typeof import('../gen-synthetic-model.ts');
    const t0 = performance.now();
    await writeSyntheticModel(SYNTHETIC_MODEL);
    log(`  generated in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  }
  return JSON.parse(readFileSync(join(SYNTHETIC_MODEL, 'manifest.json'), 'utf8')) as Manifest;
}

/** Serves `modelDir` from main.ts; returns the server and how long it took to be ready. */
async function startService(modelDir: string): Promise<{ server: Server; readyMs: number; loadMs: number; ranker: string }> {
  const t0 = performance.now();
  const server = await startChild(join(repoRoot, 'services/inference/main.ts'), [], { MODEL_PATH: modelDir, LOG_LEVEL: 'info' });
  await waitReady(server.url);
  const readyMs = performance.now() - t0;
  const line = /model loaded; ready .*/.exec(server.output())?.[0] ?? '';
  return { server, readyMs, loadMs: Number(/loadMs=(\d+)/.exec(line)?.[1] ?? NaN), ranker: /ranker=(\S+)/.exec(line)?.[1] ?? '?' };
}

async function residentMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
}

export async function run(): Promise<void> {
  mkdirSync(benchDir, { recursive: true });
  await ensureSmallModel();
  const { model: small } = await loadArtifact(SMALL_MODEL);
  log(`ml-latest-small model: ${small.userIds.length} users, ${small.itemIds.length} movies, ${small.params.factors} factors`);
  log(`saturated throughput, ${CONNECTIONS} connections, ${SECONDS} s each after a ${WARM_SECONDS} s warm-up:`);

  const saturated: LoadResult[] = [];
  for (const [label, kind] of [
    ['(a) Express 5 route, fixed 20-id string', 'express'],
    ['(b) node:http, fixed 20-id string', 'http'],
  ] as const) {
    const server = await startChild(join(repoRoot, 'scripts/bench/_serving-baseline.ts'), [kind]);
    try {
      await load('warm-up', server.url, { seconds: WARM_SECONDS, quiet: true });
      saturated.push(await load(label, server.url, { seconds: SECONDS, pid: server.child.pid }));
      show(saturated[saturated.length - 1]);
    } finally {
      await server.stop();
    }
  }

  const svc = await startService(SMALL_MODEL);
  const fixed: LoadResult[] = [];
  try {
    log(`  (service ready in ${fmt(svc.readyMs, 0)} ms, model load ${svc.loadMs} ms, ranker ${svc.ranker})`);
    // The warm-up also fills the answer cache: 610 users, all of them asked within seconds.
    await load('warm-up', svc.server.url, { seconds: WARM_SECONDS, users: small.userIds, quiet: true });
    saturated.push(await load('(c) service, ml-latest-small, random users', svc.server.url, { seconds: SECONDS, users: small.userIds, pid: svc.server.child.pid }));
    show(saturated[2]);
    const ratio = saturated[2].rps / saturated[0].rps;
    const cpuRatio = saturated[0].cpuUsPerReq / saturated[2].cpuUsPerReq;
    log(`  (c)/(a) = ${fmt(ratio * 100, 1)} % of the Express fixed-string ceiling by req/s (target >= 75 %);`);
    log(`            ${fmt(cpuRatio * 100, 1)} % by server CPU per request (what req/s converges to on a quiet machine)`);
    log(`fixed offered load, 2,000 req/s, ${SECONDS} s each:`);
    const o = { seconds: SECONDS, rate: 2000, users: small.userIds, pid: svc.server.child.pid };
    fixed.push(await load('(c) ml-latest-small @ 2,000 req/s, autocannon', svc.server.url, o));
    show(fixed[0]);
    fixed.push(await paced('(c) ml-latest-small @ 2,000 req/s, paced', svc.server.url, o));
    show(fixed[1]);
    for (const r of fixed) log(`  target p99 < 5 ms, ${r.label.split(', ').pop()}: ${r.p99 < 5 ? 'met' : 'NOT met'}`);
  } finally {
    await svc.server.stop();
  }

  let big: { results: LoadResult[]; manifest: Manifest; readyMs: number; loadMs: number; rssMb: number; ranker: string } | null = null;
  const manifest = await ensureSyntheticModel();
  if (manifest) {
    log(`synthetic model: ${manifest.counts.items} movies × ${manifest.counts.users} users × ${manifest.params.factors} factors, model.bin ${fmt(manifest.artifact.size / 2 ** 20, 1)} MiB`);
    const s = await startService(SYNTHETIC_MODEL);
    try {
      log(`  ready in ${fmt(s.readyMs, 0)} ms (model load ${s.loadMs} ms), ranker ${s.ranker}`);
      // The generator numbers users 1..N.
      const users = Int32Array.from({ length: manifest.counts.users }, (_, u) => u + 1);
      await load('warm-up', s.server.url, { seconds: 2, rate: 1000, users, quiet: true });
      const o = { seconds: SECONDS, rate: 1000, users, pid: s.server.child.pid };
      const results = [await load('(d) 27k × 1M @ 1,000 req/s, autocannon', s.server.url, o)];
      show(results[0]);
      results.push(await paced('(d) 27k × 1M @ 1,000 req/s, paced', s.server.url, o));
      show(results[1]);
      for (const r of results) log(`  target p99 < 10 ms, ${r.label.split(', ').pop()}: ${r.p99 < 10 ? 'met' : 'NOT met'}`);
      big = { results, manifest, readyMs: s.readyMs, loadMs: s.loadMs, rssMb: await residentMb(s.server.url), ranker: s.ranker };
      log(`  resident memory ${fmt(big.rssMb, 0)} MiB`);
    } finally {
      await s.server.stop();
    }
  }

  const chartsDir = join(repoRoot, 'docs/charts');
  mkdirSync(chartsDir, { recursive: true });
  writeFileSync(
    join(chartsDir, 'serving.svg'),
    barChartSvg(
      `Saturated throughput, ${CONNECTIONS} connections (req/s)`,
      saturated.map((r) => ({ label: r.label.replace(/^\(.\) /, ''), value: r.rps })),
      ' req/s',
    ),
  );
  const latencyBars = [
    ...saturated.map((r) => ({ label: `${r.label.slice(0, 3)} saturated p99`, value: r.p99 })),
    ...[...fixed, ...(big?.results ?? [])].flatMap((r) => {
      const short = r.label.replace(/ ml-latest-small| 27k × 1M/, '').replace(' req/s,', '/s');
      return [
        { label: `${short} p50`, value: r.p50 },
        { label: `${short} p99`, value: r.p99 },
      ];
    }),
  ];
  writeFileSync(join(chartsDir, 'serving-latency.svg'), barChartSvg('Serving latency (ms)', latencyBars, ' ms'));
  log('wrote docs/charts/serving.svg and docs/charts/serving-latency.svg');

  const row = (r: LoadResult) => `| ${r.label} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.cpuUsPerReq, 0)} |`;
  log('\n--- Markdown for docs/benchmarks.md (serving section) ---');
  log(`Command: \`npm run bench -- serving\` (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, server in a child process).\n`);
  log('| run | req/s | p50 ms | p99 ms | server CPU µs/req |\n| --- | ---: | ---: | ---: | ---: |');
  for (const r of [...saturated, ...fixed, ...(big?.results ?? [])]) log(row(r));
  log(
    `\n(c)/(a) = ${fmt((saturated[2].rps / saturated[0].rps) * 100, 1)} % by req/s, ` +
      `${fmt((saturated[0].cpuUsPerReq / saturated[2].cpuUsPerReq) * 100, 1)} % by server CPU per request.`,
  );
  if (big) {
    log(
      `Synthetic 27k × 1M × 100 model: model.bin ${fmt(big.manifest.artifact.size / 2 ** 20, 1)} MiB, loaded in ${big.loadMs} ms ` +
        `(ready ${fmt(big.readyMs / 1000, 1)} s after spawn), resident ${fmt(big.rssMb, 0)} MiB, ranker ${big.ranker}.`,
    );
  }
}
