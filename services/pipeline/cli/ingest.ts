// `npm run ingest -- --from-file FILE | --from-kafka [options]`: collect and clean only.
// Prints counts by event kind and by rejection reason, with progress on stderr; with --json the
// last stdout line is the IngestReport as one JSON object. Exit 0 ok, 1 failure, 2 bad usage/config or
// the data dir in use by another process.
//   --data-dir DIR          clean store folder (default data)
//   --dead-letter PATH      rejected lines, JSON lines (default var/dead-letter.log; format in clean/dead-letter.ts)
//   --recommendations PATH  also append recommendation events to this CSV
//   --batch-size N          lines per batch for --from-file (default 10000)
//   --max-messages N --window-ms N --idle-ms N --brokers B --topic T --group-id G --fetch-bytes N  (Kafka)
// Environment: KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID, INGEST_WINDOW_MS, RATING_MIN, RATING_MAX, MAX_USER_ID,
// PIPELINE_DEAD_LETTER_MAX_LINE_BYTES, PIPELINE_DEAD_LETTER_MAX_FILE_BYTES, PIPELINE_DEAD_LETTER_FILES.
import { resolve } from 'node:path';
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { createLogger } from '../../core/logger.ts';
import { deadLetterLimitsFromEnv } from '../clean/dead-letter-config.ts';
import { ingest } from '../ingest.ts';
import { parseOptionsFromEnv } from '../parse/options.ts';
import { createFileSource } from '../sources/file.ts';
import { createKafkaSource } from '../sources/kafka.ts';
import { kafkaSettingsFromEnv, splitBrokers } from '../sources/kafka-config.ts';
import type { IngestReport, LineSource } from '../types.ts';

const SPEC = {
  'from-file': 'string',
  'from-kafka': 'boolean',
  'data-dir': 'string',
  'dead-letter': 'string',
  recommendations: 'string',
  json: 'boolean',
  'batch-size': 'string',
  'max-messages': 'string',
  'window-ms': 'string',
  'idle-ms': 'string',
  brokers: 'string',
  topic: 'string',
  'group-id': 'string',
  'fetch-bytes': 'string',
} as const;

const USAGE = 'usage: ingest (--from-file FILE | --from-kafka [--max-messages N] [--window-ms N] [--idle-ms N]) [--data-dir DIR] [--dead-letter PATH] [--json]';

function positiveInt(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${String(value)}'`);
  return n;
}

export function formatReport(r: IngestReport): string {
  const rejected = Object.entries(r.rejected).sort((a, b) => b[1] - a[1]);
  const total = rejected.reduce((a, [, n]) => a + n, 0);
  return [
    `lines          ${r.lines}`,
    `watch          ${r.events.watch}`,
    `rate           ${r.events.rate}`,
    `recommendation ${r.events.recommendation}`,
    `rejected       ${total}${rejected.length ? ` (${rejected.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
    `ratings        +${r.ratingsAdded} added, ${r.ratingsUpdated} updated`,
    `watches        +${r.watchesAdded} added`,
    `seconds        ${r.seconds.toFixed(2)}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (!args['from-file'] === !args['from-kafka']) throw new UsageError('give exactly one of --from-file FILE or --from-kafka');
  const parseOpts = parseOptionsFromEnv();
  const deadLetterLimits = deadLetterLimitsFromEnv();
  const logger = createLogger('ingest', { write: (l) => process.stderr.write(l) });

  let source: LineSource;
  if (typeof args['from-file'] === 'string') {
    source = createFileSource(args['from-file'], { batchSize: positiveInt('batch-size', args['batch-size']) });
  } else {
    const k = kafkaSettingsFromEnv();
    source = createKafkaSource({
      brokers: typeof args.brokers === 'string' ? splitBrokers(args.brokers) : k.brokers,
      topic: typeof args.topic === 'string' ? args.topic : k.topic,
      groupId: typeof args['group-id'] === 'string' ? args['group-id'] : k.groupId,
      windowMs: positiveInt('window-ms', args['window-ms']) ?? k.windowMs,
      maxMessages: positiveInt('max-messages', args['max-messages']),
      idleMs: positiveInt('idle-ms', args['idle-ms']),
      maxBytesPerPartition: positiveInt('fetch-bytes', args['fetch-bytes']),
      logger,
    });
  }

  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`ingest: ${sig}: stopping after the current batch\n`);
      abort.abort();
    });
  }
  let lastProgress = 0;
  const report = await ingest(source, {
    dataDir: resolve(typeof args['data-dir'] === 'string' ? args['data-dir'] : 'data'),
    deadLetterPath: resolve(typeof args['dead-letter'] === 'string' ? args['dead-letter'] : 'var/dead-letter.log'),
    deadLetterLimits,
    recommendationsPath: typeof args.recommendations === 'string' ? resolve(args.recommendations) : undefined,
    ratingScale: [parseOpts.ratingMin, parseOpts.ratingMax],
    maxUserId: parseOpts.maxUserId,
    logger,
    signal: abort.signal,
    onProgress: (r) => {
      const now = performance.now();
      if (now - lastProgress < 1000) return;
      lastProgress = now;
      const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
      process.stderr.write(
        `ingest: ${r.lines} lines (watch ${r.events.watch}, rate ${r.events.rate}, recommendation ${r.events.recommendation}, rejected ${rejected}) ` +
          `${Math.round(r.lines / Math.max(r.seconds, 1e-9))} lines/s\n`,
      );
    },
  });
  if (args.json) {
    process.stderr.write(`${formatReport(report)}\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(`${formatReport(report)}\n`);
  }
  return 0;
}

runCli('ingest', USAGE, main);
