// A whole pipeline run on 1,000,000 generated log lines: file source -> clean -> train (the model's
// default parameters) -> gate -> version (DVC cache + remote) -> commit -> push to a bare repository
// -> tracking row in a throw-away MariaDB database. Notifications off. Target: under 60 s.
// Prints each step's time and writes docs/charts/pipeline-run.svg.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg } from '../../services/core/chart.ts';
import { createLogger } from '../../services/core/logger.ts';
import { createTestDatabase } from '../../services/core/testing/mysql.ts';
import { loadPipelineConfig } from '../../services/pipeline/run/config.ts';
import { defaultDeps } from '../../services/pipeline/run/deps.ts';
import { runPipeline } from '../../services/pipeline/run/run-pipeline.ts';
import { recommendationLine } from '../../services/pipeline/simulator/lines.ts';
import { seededRandom } from '../../services/pipeline/simulator/random.ts';
import { loadRatings } from '../../services/pipeline/simulator/ratings-input.ts';
import { createLineStream } from '../../services/pipeline/simulator/sessions.ts';
import { createWorkspace, pipelineEnv } from '../../services/pipeline/test/run-fixtures.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LINES = 1_000_000;
const TARGET_SECONDS = 60;
const say = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Course-like traffic replayed from data/sample (ml-latest-small): sessions of 5–30 watched
 * minutes ending in a rating (so ~90 % watch lines, ~4 % rates), ~6 % recommendation requests.
 */
function writeLines(path: string, n: number): { watch: number; rate: number; recommendation: number } {
  const rnd = seededRandom(2024);
  const stream = createLineStream(loadRatings(join(repoRoot, 'data/sample/ratings.csv')), rnd, { concurrency: 300, minutes: [5, 30] });
  const counts = { watch: 0, rate: 0, recommendation: 0 };
  const base = Date.UTC(2024, 2, 1, 8, 0, 0);
  const chunk: string[] = [];
  writeFileSync(path, '');
  for (let i = 0; i < n; i++) {
    const at = new Date(base + Math.floor(i / 150) * 1000).toISOString().slice(0, 19);
    if (rnd() < 0.06) {
      const user = 1 + Math.floor(rnd() * 610);
      chunk.push(recommendationLine(at, user, 'team-5.example.edu:8082', 200, 'toy+story+1995, heat+1995, seven+1995, jumanji+1995', 30 + (i % 70)));
      counts.recommendation++;
    } else {
      const { kind, line } = stream.next(at);
      chunk.push(line);
      counts[kind]++;
    }
    if (chunk.length === 50_000 || i === n - 1) {
      writeFileSync(path, `${chunk.join('\n')}\n`, { flag: 'a' });
      chunk.length = 0;
      process.stdout.write(`\r  generating lines: ${fmt(i + 1)} / ${fmt(n)}`);
    }
  }
  process.stdout.write('\n');
  return counts;
}

export async function run(): Promise<void> {
  const ws = createWorkspace('marquee-bench-run-');
  const db = await createTestDatabase('marquee_bench_run');
  try {
    const file = join(ws.root, 'lines.log');
    const t0 = performance.now();
    const mix = writeLines(file, LINES);
    say(`generated ${fmt(LINES)} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${fmt(mix.watch)} watch, ${fmt(mix.rate)} rate, ${fmt(mix.recommendation)} recommendation`);

    // Production training parameters (the model's defaults); only the workspace and database are test ones.
    const env = pipelineEnv(ws, db.settings);
    delete env.TRAIN_FACTORS;
    delete env.TRAIN_EPOCHS;
    const cfg = loadPipelineConfig(env);
    const logger = createLogger('pipeline', { file: cfg.logFile });
    const summary = await runPipeline(cfg, { deps: defaultDeps, logger, notifiers: [], fromFile: file });
    if (summary.status !== 'published') throw new Error(`the benchmark run did not publish: ${summary.status} ${summary.error ?? ''}`);

    say('\nstep        seconds');
    for (const t of summary.timings) say(`${t.step.padEnd(10)} ${t.seconds.toFixed(2).padStart(8)}`);
    say(`${'total'.padEnd(10)} ${summary.seconds.toFixed(2).padStart(8)}  (target < ${TARGET_SECONDS} s: ${summary.seconds < TARGET_SECONDS ? 'met' : 'MISSED'})`);
    const collect = summary.timings.find((t) => t.step === 'collect')?.seconds ?? 0;
    say(`ingest ${fmt(Math.round(LINES / collect))} lines/s; ${fmt(summary.ratings ?? 0)} clean ratings; RMSE ${summary.rmse?.toFixed(4)}; version ${summary.version}, commit ${summary.commit?.slice(0, 12)}`);

    const chart = barChartSvg(
      `Pipeline run, ${fmt(LINES)} log lines: ${summary.seconds.toFixed(1)} s in all`,
      summary.timings.map((t) => ({ label: t.step, value: t.seconds })),
      ' s',
    );
    writeFileSync(join(repoRoot, 'docs/charts/pipeline-run.svg'), chart);
    say('chart: docs/charts/pipeline-run.svg');
  } finally {
    await db.drop();
    rmSync(ws.root, { recursive: true, force: true });
  }
}
