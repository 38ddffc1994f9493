// The release judge's own cost (`npm run bench -- release-judge`): per analysis interval the
// controller runs the measurer's pure computations and analyzeInterval. Timed on synthetic,
// seeded inputs at a busy interval's size: 1M watched minutes and 50k served lists of 20 movies
// (watch-through and diversity), two 30-bucket latency histograms (Mann-Whitney), and one
// analyzeInterval over the five metrics. Median and spread (min–max) over repeats.
import { analyzeInterval, compareHistograms } from '../../services/release/analysis/index.ts';
import { diversityFigures, popularityFromCounts, watchCounts } from '../../services/release/measure/diversity.ts';
import { metricInputs } from '../../services/release/measure/metric-inputs.ts';
import { intervalWatchThrough } from '../../services/release/measure/online.ts';
import { indexWatches } from '../../services/release/online/watch-index.ts';
import type { ServedList, Watch } from '../../services/release/online/types.ts';
import { median } from '../../services/core/stats.ts';
import { nextFloat, seedState } from '../../services/model/index.ts';

const WATCHES = 1_000_000;
const LISTS = 50_000;
const USERS = 20_000;
const MOVIES = 27_000;
const LIST_LENGTH = 20;
const BUCKETS = 30;
const T = 30 * 60_000;
const REPEATS = 7;
const log = (msg: string) => process.stdout.write(`${msg}\n`);

/** Served lists over an hour (half baseline, half canary) and minutes watched over the hour and T before. */
function synthetic() {
  const s = seedState(10);
  const start = 1_700_000_000_000;
  const hour = 3_600_000;
  const movie = () => `m${Math.floor(MOVIES * nextFloat(s) ** 2)}`; // skewed towards low ids: some movies popular
  const served: ServedList[] = Array.from({ length: LISTS }, (_, i) => ({
    userId: Math.floor(USERS * nextFloat(s)),
    servedAt: start + Math.floor((hour * i) / LISTS),
    group: i % 2 ? 'canary' : 'baseline',
    ids: Array.from({ length: LIST_LENGTH }, movie),
  }));
  const watches: Watch[] = Array.from({ length: WATCHES }, (_, i) => ({
    userId: Math.floor(USERS * nextFloat(s)),
    movieId: movie(),
    at: start - T + Math.floor(((hour + T) * i) / WATCHES),
  }));
  return { served, watches, fromMs: start + hour - 5 * 60_000, until: start + hour };
}

function histograms() {
  const s = seedState(11);
  const upperBounds = [...Array.from({ length: BUCKETS - 1 }, (_, i) => 0.0005 * 1.35 ** i), Infinity];
  const counts = (shift: number) => upperBounds.map((_, i) => Math.round(2_000 * Math.exp(-((i - 12 - shift) ** 2) / 18) * (0.9 + 0.2 * nextFloat(s))));
  return { upperBounds, baseline: counts(0), canary: counts(0.5) };
}

/** ms per call: `calls` calls per repeat, REPEATS repeats. */
function time(calls: number, fn: () => unknown): number[] {
  const out: number[] = [];
  fn(); // warm-up (JIT)
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    out.push((performance.now() - t0) / calls);
  }
  return out;
}

function report(name: string, msPerCall: number[]): void {
  const f = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 0.1 ? v.toFixed(2) : v.toFixed(4));
  log(`${name.padEnd(52)} median ${f(median(msPerCall))} ms  (min ${f(Math.min(...msPerCall))}, max ${f(Math.max(...msPerCall))}; ${REPEATS} repeats)`);
}

export async function run(): Promise<void> {
  const { served, watches, fromMs, until } = synthetic();
  const h = histograms();
  log(`inputs: ${WATCHES} watched minutes, ${LISTS} lists of ${LIST_LENGTH}, ${BUCKETS}-bucket histograms (n ${h.baseline.reduce((a, b) => a + b)} per track)`);

  let index = indexWatches(watches);
  report('indexWatches (1M watched minutes)', time(1, () => (index = indexWatches(watches))));
  let wt = intervalWatchThrough(served, index, { fromMs, until, windowMs: T });
  report('watch-through, 50k lists against the index', time(1, () => (wt = intervalWatchThrough(served, index, { fromMs, until, windowMs: T }))));
  const byGroup = (g: string) => served.filter((l) => l.group === g);
  const [b, c] = [byGroup('baseline'), byGroup('canary')];
  let diversity = diversityFigures(b, c, { popularityOf: popularityFromCounts(watchCounts(watches)) });
  report('diversity (popularity from 1M minutes, 50k lists)', time(1, () => (diversity = diversityFigures(b, c, { popularityOf: popularityFromCounts(watchCounts(watches)) }))));
  report('Mann-Whitney U, two 30-bucket histograms', time(10_000, () => compareHistograms(h)));

  const metrics = metricInputs({
    latency: h,
    serverFailures: { baseline: { events: 3, total: 25_000 }, canary: { events: 5, total: 25_000 } },
    watchThrough: wt.pair,
    diversity,
  });
  report('analyzeInterval, 5 metrics (zod-checked)', time(2_000, () => analyzeInterval({ metrics, canaryAvgLatencyMs: 20 })));
  log(`watch-through judged: baseline ${JSON.stringify(wt.pair.baseline)}, canary ${JSON.stringify(wt.pair.canary)}, pending ${JSON.stringify(wt.pending)}`);
}
