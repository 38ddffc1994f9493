// `npm run simulate -- --ratings FILE [options]`: the course simulator, locally. Streams watch and
// rate lines replayed from a rating data set to Kafka (or --out FILE) at a steady rate and, with
// --service-url, sends GET /recommend/<user> and logs the answers as recommendation lines.
//   --rate N[/s]            log lines per second (default 100)
//   --request-rate N[/s]    /recommend requests per second (default rate/10)
//   --service-url URL       e.g. http://127.0.0.1:8082
//   --users N               only the first N users of the data set
//   --duration S            stop after S seconds (default: until Ctrl-C)
//   --timeout-ms N          request time limit, then status 0 (default 600)
//   --brokers B --topic T   Kafka (defaults: KAFKA_BROKERS, KAFKA_TOPIC)
//   --out FILE              append lines to FILE instead of Kafka
//   --seed N
//   --audience future       users watch their held-out ratings when a list brings them (default replay)
//   --held-out F            with --audience future: the share of ratings held out (default 0.2)
// Progress on stderr; the last stdout line is the final stats as JSON (without the latency list).
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { createLogger } from '../../core/logger.ts';
import { parseOptionsFromEnv } from '../parse/options.ts';
import { startSimulator } from '../simulator/simulator.ts';
import { createFileSink, createKafkaSink } from '../simulator/sinks.ts';
import { kafkaSettingsFromEnv, splitBrokers } from '../sources/kafka-config.ts';

const SPEC = {
  ratings: 'string',
  rate: 'string',
  'request-rate': 'string',
  'service-url': 'string',
  users: 'string',
  duration: 'string',
  'timeout-ms': 'string',
  brokers: 'string',
  topic: 'string',
  out: 'string',
  seed: 'string',
  audience: 'string',
  'held-out': 'string',
} as const;

const USAGE =
  'usage: simulate --ratings FILE [--rate N/s] [--request-rate N/s] [--service-url URL] [--users N] [--duration S] [--timeout-ms 600] [--brokers B] [--topic T] [--out FILE] [--seed N] [--audience replay|future] [--held-out 0.2]';

function num(name: string, value: string | boolean | undefined, opts: { min?: number; integer?: boolean; perSecond?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' && opts.perSecond ? value.replace(/\/s$/, '') : value;
  const n = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(n) || n < (opts.min ?? 0) || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: invalid value '${String(value)}'`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (typeof args.ratings !== 'string') throw new UsageError('--ratings FILE is required');
  const audience = args.audience ?? 'replay';
  if (audience !== 'replay' && audience !== 'future') throw new UsageError(`--audience: replay or future, got '${String(audience)}'`);
  const heldOut = num('held-out', args['held-out']);
  if (heldOut !== undefined && !(heldOut > 0 && heldOut < 1)) throw new UsageError('--held-out: a fraction in (0, 1)');
  const scale = parseOptionsFromEnv();
  const logger = createLogger('simulate', { write: (l) => process.stderr.write(l) });
  let sink;
  if (typeof args.out === 'string') sink = createFileSink(args.out);
  else {
    const k = kafkaSettingsFromEnv();
    const brokers = typeof args.brokers === 'string' ? splitBrokers(args.brokers) : k.brokers;
    const topic = typeof args.topic === 'string' ? args.topic : k.topic;
    sink = createKafkaSink({ brokers, topic, logger });
    process.stderr.write(`simulate: writing to Kafka topic ${topic} on ${brokers.join(',')}\n`);
  }
  let lastProgress = 0;
  const sim = startSimulator({
    ratings: args.ratings,
    sink,
    rate: num('rate', args.rate, { perSecond: true }),
    requestRate: num('request-rate', args['request-rate'], { perSecond: true }),
    serviceUrl: typeof args['service-url'] === 'string' ? args['service-url'] : undefined,
    users: num('users', args.users, { min: 1, integer: true }),
    durationS: num('duration', args.duration, { min: 0 }),
    timeoutMs: num('timeout-ms', args['timeout-ms'], { min: 1, integer: true }),
    seed: num('seed', args.seed, { integer: true }),
    audience,
    future: { heldOut },
    ratingScale: [scale.ratingMin, scale.ratingMax],
    logger,
    onProgress: (s) => {
      if (s.seconds - lastProgress < 5 && lastProgress > 0) return;
      lastProgress = s.seconds;
      const statuses = Object.entries(s.requests.byStatus).map(([k, v]) => `${k}:${v}`).join(' ');
      process.stderr.write(
        `simulate: ${s.seconds.toFixed(0)}s lines ${s.lines.total} (watch ${s.lines.watch}, rate ${s.lines.rate}, recommendation ${s.lines.recommendation})` +
          (s.requests.sent ? ` requests ${s.requests.sent} [${statuses}] p95 ${s.requests.latencyMs.p95.toFixed(0)} ms` : '') +
          '\n',
      );
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void sim.stop());
  const final = await sim.done;
  const { latenciesMs: _omit, ...summary } = final;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return final.sinkErrors > 0 ? 1 : 0;
}

runCli('simulate', USAGE, main);
