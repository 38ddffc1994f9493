// Course-scale serving (`npm run bench -- serving-runtime`): the model that `npm run bench --
// ranking-scale` trained (var/bench/ranking-scale: 1,000,000 users × 27,000 movies).
//  1. CPU of one cache miss: createSimdRanker over 3,000 random users, 3 reps (and the same for the
//     checkout in BENCH_SR_COMPARE, loaded into this process, when given);
//  2. served at a fixed 1,000 req/s over random users, by the same service code started three
//     ways (and the BENCH_SR_COMPARE checkout's code with Node 20 + tsx, as `before`), side by side
//     in rotating order each round:
//   node20+tsx  this machine's Node 20 with tsx's loader (`npm start`, the tests)
//   node24+tsx  the production image's Node with tsx's loader (the image until 2026-12-02)
//   node24      the production image's Node on its own type stripping (the image now)
// tsx's loader runs its hooks on a thread of its own for every thread that registers it (the main
// thread and each rank worker); those threads' garbage collections were suspected of the tail.
// Each run: start, wait for /readyz, 3 s warm-up, 10 s measured (paced generator, open loop,
// latency from each request's planned send time). Prints per-runtime medians and spread of p99,
// p50 and server CPU per request, and draws docs/charts/serving-runtime.svg.
//   BENCH_SR_ROUNDS (default 4)   BENCH_SR_SECONDS (default 10)   BENCH_SR_RATE (default 1000)
//   BENCH_SR_COMPARE: a checkout of other code (git worktree add var/wt-before <commit>; its
//     node_modules may be a link to this one's)   BENCH_SR_RUNTIMES: names to run (comma-separated)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg } from '../../services/core/chart.ts';
import { cpuSeconds } from '../../services/core/process-stat.ts';
import { median } from '../../services/core/stats.ts';
import { startListening } from '../../services/core/testing/listening-service.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import { productionNode, productionNodeVersion } from './_node-binary.ts';
import { runPaced } from './_paced-run.ts';
import { loadArtifact } from '../../services/model/index.ts';
import type { Model } from '../../services/model/types.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL = join(repoRoot, 'var/bench/ranking-scale');
const envInt = (name: string, dflt: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

interface Runtime {
  name: string;
  node: string;
  loader: 'tsx' | 'native';
  /** The checkout whose services/inference/main.ts runs. */
  cwd: string;
}
interface Run {
  p50: number;
  p99: number;
  max: number;
  cpuUs: number;
  non2xx: number;
  errors: number;
}

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const f = (n: number, d = 2) => n.toFixed(d);
const spread = (xs: number[], d = 2) => `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`;

async function measure(rt: Runtime, users: number, rate: number, seconds: number): Promise<Run> {
  const svc = await startListening('services/inference/main.ts', {
    cwd: rt.cwd,
    node: rt.node,
    loader: rt.loader,
    env: { MODEL_PATH: MODEL, PROVENANCE: 'off', LOG_LEVEL: 'info' },
  });
  try {
    await waitForHttp(`${svc.url}/readyz`, { timeoutMs: 60_000, what: `${rt.name} /readyz` });
    const { port } = new URL(svc.url);
    const pid = svc.child.pid ?? 0;
    const ids = Int32Array.from({ length: users }, (_, u) => u + 1);
    const cpu0 = cpuSeconds(pid);
    const warm = 3;
    const r = await runPaced({ host: '127.0.0.1', port: Number(port), rate, seconds, warmSeconds: warm, users: ids, connections: 32 });
    const cpu = cpuSeconds(pid) - cpu0;
    const sorted = r.latencies.slice().sort();
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return {
      p50: pct(0.5),
      p99: pct(0.99),
      max: sorted[sorted.length - 1],
      cpuUs: (cpu * 1e6) / (r.requests + rate * warm),
      non2xx: r.non2xx,
      errors: r.errors,
    };
  } finally {
    await svc.stop();
  }
}

type CreateRanker = (model: Model) => ((m: Model, u: number, n: number) => Uint32Array) | null;

/** Mean and p99 of one cache miss (ms) over `users` random users, `reps` times. */
function missCost(create: CreateRanker, model: Model, users = 3_000, reps = 3): Array<{ mean: number; p50: number; p99: number }> {
  const rank = create(model);
  if (!rank) throw new Error('no SIMD ranker for this model');
  const out = [];
  for (let r = 0; r < reps; r++) {
    const t: number[] = [];
    for (let j = 0; j < users; j++) {
      const u = Math.floor(Math.random() * model.userIds.length);
      const t0 = performance.now();
      rank(model, u, 20);
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    out.push({ mean: t.reduce((a, b) => a + b, 0) / t.length, p50: t[Math.floor(t.length / 2)], p99: t[Math.floor(t.length * 0.99)] });
  }
  return out;
}

async function missCosts(compare: string | undefined): Promise<void> {
  const { model } = await loadArtifact(MODEL);
  const mine = (await import('../../services/model/simd-ranker.ts')).createSimdRanker as CreateRanker;
  const theirs = compare ? ((await import(join(resolve(compare), 'services/model/simd-ranker.ts'))) as { createSimdRanker: CreateRanker }).createSimdRanker : undefined;
  log('\none cache miss (createSimdRanker, 3,000 random users, top 20), alternating:');
  for (let round = 0; round < 2; round++) {
    for (const [name, create] of [...(theirs ? [['before', theirs] as const] : []), ['this code', mine] as const]) {
      for (const r of missCost(create, model)) log(`  ${name.padEnd(9)} mean ${f(r.mean, 3)} ms  p50 ${f(r.p50, 3)} ms  p99 ${f(r.p99, 3)} ms`);
    }
  }
}

export async function run(): Promise<void> {
  if (!existsSync(join(MODEL, 'manifest.json'))) throw new Error(`no model at ${MODEL}: run \`npm run bench -- ranking-scale\` first (it trains the course-scale model there)`);
  const rounds = envInt('BENCH_SR_ROUNDS', 4);
  const seconds = envInt('BENCH_SR_SECONDS', 10);
  const rate = envInt('BENCH_SR_RATE', 1000);
  const manifest = JSON.parse(readFileSync(join(MODEL, 'manifest.json'), 'utf8')) as { counts: { users: number; items: number } };
  const prod = productionNode(log);
  const v24 = productionNodeVersion();
  const compare = process.env.BENCH_SR_COMPARE || undefined;
  if (compare && !existsSync(join(compare, 'services/inference/main.ts'))) throw new Error(`BENCH_SR_COMPARE: no services/inference/main.ts under ${compare}`);
  await missCosts(compare);
  const all: Runtime[] = [
    ...(compare ? [{ name: 'before', node: process.execPath, loader: 'tsx' as const, cwd: resolve(compare) }] : []),
    { name: `node${process.versions.node.split('.')[0]}+tsx`, node: process.execPath, loader: 'tsx', cwd: repoRoot },
    { name: `node${v24.split('.')[0]}+tsx`, node: prod, loader: 'tsx', cwd: repoRoot },
    { name: `node${v24.split('.')[0]}`, node: prod, loader: 'native', cwd: repoRoot },
  ];
  const wanted = process.env.BENCH_SR_RUNTIMES?.split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = wanted?.filter((w) => !all.some((r) => r.name === w)) ?? [];
  if (unknown.length) throw new Error(`BENCH_SR_RUNTIMES: unknown ${unknown.join(', ')}; known: ${all.map((r) => r.name).join(', ')}`);
  const runtimes = wanted ? all.filter((r) => wanted.includes(r.name)) : all;
  log(`model ${MODEL}: ${manifest.counts.users} users × ${manifest.counts.items} movies; ${rate} req/s over random users, ${seconds} s per run, ${rounds} rounds`);
  log(
    `runtimes: ${runtimes.map((r) => `${r.name} (${r.cwd === repoRoot ? 'this code' : r.cwd}, ${r.loader === 'tsx' ? 'tsx loader' : 'type stripping'}, Node ${r.node === process.execPath ? process.versions.node : v24})`).join(', ')}`,
  );
  const runs = new Map<string, Run[]>(runtimes.map((r) => [r.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so that no runtime always runs first (or right after a heavy one).
    const order = runtimes.map((_, i) => runtimes[(i + round) % runtimes.length]);
    for (const rt of order) {
      const r = await measure(rt, manifest.counts.users, rate, seconds);
      runs.get(rt.name)!.push(r);
      log(`  round ${round + 1}/${rounds} ${rt.name.padEnd(11)} p99 ${f(r.p99).padStart(6)} ms  p50 ${f(r.p50)} ms  max ${f(r.max, 1)} ms  CPU ${f(r.cpuUs, 0)} µs/req${r.non2xx || r.errors ? `  non-2xx ${r.non2xx} errors ${r.errors}` : ''}`);
    }
  }
  log('\n| runtime | p99 median (spread), ms | p50 median, ms | max median, ms | server CPU, µs/req | runs with p99 < 10 ms |');
  log('| --- | --- | --- | --- | --- | --- |');
  for (const rt of runtimes) {
    const rs = runs.get(rt.name)!;
    const p99s = rs.map((r) => r.p99);
    log(
      `| ${rt.name} | ${f(median(p99s))} (${spread(p99s)}) | ${f(median(rs.map((r) => r.p50)))} | ${f(median(rs.map((r) => r.max)), 1)} | ` +
        `${f(median(rs.map((r) => r.cpuUs)), 0)} | ${p99s.filter((p) => p < 10).length} of ${rs.length} |`,
    );
  }
  const chart = join(repoRoot, 'docs/charts/serving-runtime.svg');
  writeFileSync(
    chart,
    barChartSvg(
      `Course-scale serving at ${rate} req/s: p99 by runtime (median of ${rounds})`,
      runtimes.map((rt) => ({ label: rt.name, value: median(runs.get(rt.name)!.map((r) => r.p99)) })),
      ' ms',
    ),
  );
  log(`\nchart: ${chart}`);
}
