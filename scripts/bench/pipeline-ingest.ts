// Pipeline ingest throughput:
//   1. parse only and parse + clean (pure, one core) over ~1,000,000 generated realistic lines;
//   2. the same lines through ingest() into a clean store on disk (journal fsync per batch);
//   3. Kafka: produce 300,000 lines to a fresh topic, then time a consumer group reading them
//      through ingest() end to end (fetch, parse, clean, durable store, offset commit).
// Writes docs/charts/pipeline-ingest.svg. Needs Kafka on KAFKA_BROKERS (scripts/services/kafka-start.sh).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg, type Bar } from '../../services/core/chart.ts';
import { cleanLines, ingest } from '../../services/pipeline/ingest.ts';
import { parseLine } from '../../services/pipeline/parse/line.ts';
import { DEFAULT_PARSE_OPTIONS } from '../../services/pipeline/parse/types.ts';
import { recommendationLine } from '../../services/pipeline/simulator/lines.ts';
import { seededRandom } from '../../services/pipeline/simulator/random.ts';
import { loadRatings } from '../../services/pipeline/simulator/ratings-input.ts';
import { createLineStream } from '../../services/pipeline/simulator/sessions.ts';
import { createArraySource } from '../../services/pipeline/sources/array.ts';
import { createKafkaClient, createProducer, ensureTopic } from '../../services/pipeline/sources/kafka-client.ts';
import { createKafkaSource } from '../../services/pipeline/sources/kafka.ts';
import { median } from '../../services/core/stats.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PURE_LINES = 1_000_000;
const KAFKA_LINES = 300_000;
const BATCH = 10_000;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const say = (s: string) => process.stdout.write(`${s}\n`);
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

/** Course-like traffic: watch minutes and ratings from the sample data, ~8% recommendations, ~1% junk. */
function generateLines(n: number): string[] {
  const rnd = seededRandom(585);
  const stream = createLineStream(loadRatings(join(repoRoot, 'data', 'sample', 'ratings.csv')), rnd, { concurrency: 200 });
  const out: string[] = new Array(n);
  const base = Date.UTC(2023, 10, 29, 8, 0, 0);
  for (let i = 0; i < n; i++) {
    const d = new Date(base + Math.floor(i / 150) * 1000); // ~150 lines a second, as the course's stream
    const at = d.toISOString().slice(0, i % 3 === 0 ? 23 : 19);
    const r = rnd();
    if (r < 0.01) out[i] = i % 2 ? `${at},${(i % 5000) + 1},GET /create_account` : `garbage ${i}`;
    else if (r < 0.09) {
      const ok = r < 0.085;
      out[i] = recommendationLine(at, (i % 6000) + 1, 'team-4.example.edu:8082', ok ? 200 : 0, ok ? 'toy+story+1995, heat+1995, up+2009, jumanji+1995, casino+1995, sabrina+1995, balto+1995, nixon+1995, othello+1995, now+and+then+1995' : 'java.util.concurrent.TimeoutException: Request timeout to team-4.example.edu/10.0.0.1:8082 after 600 ms', ok ? 40 + (i % 60) : 612);
    } else out[i] = stream.next(at).line;
  }
  return out;
}

function timePure(lines: string[]): { parse: number; clean: number } {
  const parseMs: number[] = [];
  const cleanMs: number[] = [];
  for (let rep = 0; rep < 4; rep++) {
    let t = performance.now();
    let accepted = 0;
    for (const l of lines) if (parseLine(l).kind !== 'rejected') accepted++;
    parseMs.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < lines.length; i += BATCH) cleanLines(lines.slice(i, i + BATCH), DEFAULT_PARSE_OPTIONS);
    cleanMs.push(performance.now() - t);
    say(`  run ${rep + 1}/4: parse ${fmt(rate(lines.length, parseMs[rep]))} lines/s (${fmt(accepted)} accepted), parse+clean ${fmt(rate(lines.length, cleanMs[rep]))} lines/s`);
  }
  // The first run warms the JIT up; the median of the rest is reported.
  return { parse: rate(lines.length, median(parseMs.slice(1))), clean: rate(lines.length, median(cleanMs.slice(1))) };
}

async function produceLines(topic: string, lines: string[]): Promise<number> {
  const producer = createProducer(createKafkaClient(brokers, 'marquee-bench'));
  await producer.connect();
  const t = performance.now();
  try {
    for (let i = 0; i < lines.length; i += 10_000) {
      await producer.send({ topic, acks: -1, messages: lines.slice(i, i + 10_000).map((value) => ({ value })) });
      if ((i / 10_000) % 10 === 9) say(`  produced ${fmt(i + 10_000)} / ${fmt(lines.length)}`);
    }
  } finally {
    await producer.disconnect();
  }
  return performance.now() - t;
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'marquee-bench-ingest-'));
  try {
    say(`generating ${fmt(PURE_LINES)} log lines ...`);
    const lines = generateLines(PURE_LINES);

    say('parse and parse+clean (pure, one core) ...');
    const pure = timePure(lines);

    say('ingest() into a clean store on disk (array source, 10,000-line batches) ...');
    let t = performance.now();
    const fileReport = await ingest(createArraySource(lines, BATCH), { dataDir: join(work, 'disk'), deadLetterPath: join(work, 'disk-dead.log') });
    const diskRate = rate(lines.length, performance.now() - t);
    say(`  ${fmt(diskRate)} lines/s; ${fmt(fileReport.ratingsAdded)} ratings, ${fmt(fileReport.watchesAdded)} watches, ${fmt(Object.values(fileReport.rejected).reduce((a, b) => a + b, 0))} rejected`);

    const topic = `bench-ingest-${Date.now()}`;
    say(`Kafka: producing ${fmt(KAFKA_LINES)} lines to ${topic} ...`);
    await ensureTopic(brokers, topic);
    const kafkaLines = lines.slice(0, KAFKA_LINES);
    const produceMs = await produceLines(topic, kafkaLines);
    say(`  ${fmt(rate(KAFKA_LINES, produceMs))} messages/s produced (acks=all)`);

    say('Kafka: consuming through ingest() ...');
    let lastBatchAt = 0;
    let lastShown = 0;
    t = performance.now();
    const kafkaReport = await ingest(createKafkaSource({ brokers, topic, groupId: `${topic}-g`, idleMs: 3_000, windowMs: 170_000 }), {
      dataDir: join(work, 'kafka'),
      deadLetterPath: join(work, 'kafka-dead.log'),
      onProgress: (r) => {
        lastBatchAt = performance.now();
        if (r.lines - lastShown >= 50_000) {
          lastShown = r.lines;
          say(`  consumed ${fmt(r.lines)} / ${fmt(KAFKA_LINES)}`);
        }
      },
    });
    if (kafkaReport.lines !== KAFKA_LINES) throw new Error(`consumed ${kafkaReport.lines} of ${KAFKA_LINES} messages`);
    // From start (group join included) to the last batch committed; the idle wait at the end is not work.
    const consumeRate = rate(KAFKA_LINES, lastBatchAt - t);

    say('');
    say('pipeline-ingest results (provisional: shared 2-core machine)');
    say(`  parse only              ${fmt(pure.parse)} lines/s`);
    say(`  parse + clean           ${fmt(pure.clean)} lines/s   (target >= 300,000)`);
    say(`  ingest() to disk        ${fmt(diskRate)} lines/s`);
    say(`  Kafka produce           ${fmt(rate(KAFKA_LINES, produceMs))} messages/s`);
    say(`  Kafka consume + ingest  ${fmt(consumeRate)} messages/s end to end`);

    const bars: Bar[] = [
      { label: 'parse only (1 core)', value: pure.parse },
      { label: 'parse + clean (1 core)', value: pure.clean },
      { label: 'ingest() to disk store', value: diskRate },
      { label: 'Kafka produce (acks=all)', value: rate(KAFKA_LINES, produceMs) },
      { label: 'Kafka consume + ingest', value: consumeRate },
    ];
    const chart = join(repoRoot, 'docs', 'charts', 'pipeline-ingest.svg');
    writeFileSync(chart, barChartSvg('Pipeline ingest throughput (lines/s)', bars, '/s'));
    say(`chart: ${chart}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
