// Watches of one time range straight from the Kafka topic the pipeline consumes: the offsets at
// the range's start found by timestamp (admin.fetchTopicOffsetsByTimestamp), read up to the end of the
// range or the end of the topic as it was when the read began. A throwaway consumer group that
// commits nothing, so the pipeline's group and offsets are untouched.
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { MarqueeError } from '../../core/errors.ts';
import { type Logger, silentLogger } from '../../core/logger.ts';
import { parseLine } from '../../pipeline/parse/line.ts';
import { DEFAULT_PARSE_OPTIONS, type ParseOptions } from '../../pipeline/parse/types.ts';
import { loggedTimeMs } from '../../pipeline/run/watches.ts';
import { createKafkaClient } from '../../pipeline/sources/kafka-client.ts';
import type { Watch } from '../online/types.ts';
import type { WatchRead, WatchSource } from './sources.ts';

export interface KafkaWatchSourceOptions {
  brokers: string[];
  topic: string;
  /**
   * Slack between a line's logged time and its Kafka timestamp (when it was produced): the read
   * starts this much before the range and runs this much past it (default 5 s).
   */
  lateMs?: number;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  parse?: ParseOptions;
  logger?: Logger;
}

/** Where each partition is read from and up to (exclusive): by time, and the end at the start of the read. */
interface Span {
  partition: number;
  start: number;
  end: number;
}

/** Per-partition reading state (pure): a partition is done at its end offset or past the range. */
export function spanTracker(spans: readonly Span[], stopAfterMs: number) {
  const open = new Map(spans.filter((s) => s.start < s.end).map((s) => [s.partition, s.end]));
  let allPastRange = true;
  return {
    /** Whether the message is to be used; marks its partition done when it reaches the end. */
    take(partition: number, offset: number, timestampMs: number): boolean {
      const end = open.get(partition);
      if (end === undefined) return false;
      if (timestampMs > stopAfterMs) {
        open.delete(partition);
        return false;
      }
      if (offset + 1 >= end) {
        open.delete(partition);
        allPastRange = false;
      }
      return offset < end;
    },
    done: () => open.size === 0,
    /** True when every partition showed a message past the range (the range is complete). */
    complete: () => allPastRange && spans.every((s) => s.start < s.end),
  };
}

export function createKafkaWatchSource(opts: KafkaWatchSourceOptions): WatchSource {
  const lateMs = opts.lateMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const parse = opts.parse ?? DEFAULT_PARSE_OPTIONS;
  const logger = opts.logger ?? silentLogger;

  async function spansOf(admin: Admin, fromMs: number): Promise<Span[]> {
    const [byTime, ends] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(opts.topic, fromMs - lateMs), admin.fetchTopicOffsets(opts.topic)]);
    const endOf = new Map(ends.map((e) => [e.partition, Number(e.high)]));
    return byTime.map((p) => {
      const end = endOf.get(p.partition) ?? 0;
      // -1: no message at or after the time.
      const start = Number(p.offset) < 0 ? end : Number(p.offset);
      return { partition: p.partition, start, end };
    });
  }

  return {
    async read(fromMs: number, toMs: number): Promise<WatchRead> {
      const startedAt = Date.now();
      const groupId = `marquee-release-watches-${process.pid}-${startedAt}`;
      const kafka = createKafkaClient(opts.brokers, 'marquee-release-measure', logger);
      const admin = kafka.admin();
      const watches: Watch[] = [];
      let consumer: Consumer | undefined;
      try {
        await admin.connect();
        const spans = await spansOf(admin, fromMs);
        const tracker = spanTracker(spans, toMs + lateMs);
        if (!tracker.done()) {
          consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
          await consumer.connect();
          await consumer.subscribe({ topics: [opts.topic], fromBeginning: false });
          let finish!: () => void;
          const finished = new Promise<void>((r) => (finish = r));
          const eachBatch = async ({ batch }: EachBatchPayload) => {
            for (const m of batch.messages) {
              if (!tracker.take(batch.partition, Number(m.offset), Number(m.timestamp)) || !m.value) continue;
              const e = parseLine(m.value.toString('utf8'), parse);
              if (e.kind !== 'watch') continue;
              const at = loggedTimeMs(e.at);
              if (at >= fromMs && at <= toMs) watches.push({ userId: e.user, movieId: e.movie, at });
            }
            if (tracker.done()) finish();
          };
          await consumer.run({ autoCommit: false, eachBatch });
          for (const s of spans) if (s.start < s.end) consumer.seek({ topic: opts.topic, partition: s.partition, offset: String(s.start) });
          let timer: NodeJS.Timeout | undefined;
          const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
          const outcome = await Promise.race([finished, timedOut]);
          clearTimeout(timer);
          if (outcome === 'timeout') {
            throw new MarqueeError('KAFKA', `reading watches of ${opts.topic} for ${new Date(fromMs).toISOString()}..${new Date(toMs).toISOString()} took over ${timeoutMs} ms`);
          }
        }
        // Past the range on every partition: complete. Otherwise the topic's end was reached, and
        // lines logged in the last lateMs before the read began may still be on their way.
        const until = tracker.complete() ? toMs : Math.min(toMs, startedAt - lateMs);
        return { watches, until };
      } catch (err) {
        if (err instanceof MarqueeError) throw err;
        throw new MarqueeError('KAFKA', `reading watches from Kafka topic ${opts.topic}: ${(err as Error).message}`, { cause: err });
      } finally {
        await consumer?.disconnect().catch(() => undefined);
        await admin.deleteGroups([groupId]).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
