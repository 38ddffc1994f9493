// A Kafka consumer group as a LineSource. Offsets are committed only when the caller calls
// `batch.commit()`, i.e. after the cleaned batch is durably written: kafkajs runs with
// autoCommit off, and the eachBatch handler waits (heart-beating) until the caller commits, then
// resolves the offsets and commits them. A consumer killed at any moment re-reads its uncommitted
// messages on restart. The source ends when the window elapses, `maxMessages` were read, or (with
// `idleMs`) nothing new arrived for that long; undelivered messages stay uncommitted.
// The idle clock runs only while the source holds partitions of the topic: a restarted collector may
// join a group whose partitions a killed member still holds (until its session times out), and
// "nothing arrived" means nothing then. A window that read nothing while the group lags (committed
// offsets behind the end of the topic) throws KafkaLagError instead of ending empty.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { type Logger, silentLogger } from '../../core/logger.ts';
import type { LineSource, SourceBatch } from '../types.ts';
import { createKafkaClient } from './kafka-client.ts';
import { fetchGroupLag, KafkaLagError } from './kafka-lag.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface KafkaSourceOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  /** How long the source reads before it ends (default 15 minutes). */
  windowMs?: number;
  /** End after this many messages. */
  maxMessages?: number;
  /** End once no message has arrived for this long (counted from being assigned partitions). */
  idleMs?: number;
  logger?: Logger;
  /** Where a group without committed offsets starts: the topic's beginning (default) or its end. */
  fromBeginning?: boolean;
  /** Largest fetch per partition, which bounds a batch (default 1 MiB, kafkajs's default). */
  maxBytesPerPartition?: number;
  clientId?: string;
}

interface Pending {
  lines: string[];
  commit(): Promise<void>;
  /** Releases the eachBatch handler without committing (source closing). */
  abandon(): void;
}

const HEARTBEAT_EVERY_MS = 1_000;

export function createKafkaSource(opts: KafkaSourceOptions): LineSource {
  const windowMs = opts.windowMs ?? 900_000;
  const maxMessages = opts.maxMessages ?? Number.POSITIVE_INFINITY;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  if (!(maxMessages > 0)) throw new RangeError(`maxMessages must be positive, got ${maxMessages}`);
  const logger = opts.logger ?? silentLogger;
  const fromBeginning = opts.fromBeginning ?? true;
  const kafka = createKafkaClient(opts.brokers, opts.clientId ?? `marquee-ingest-${process.pid}`, logger);
  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    maxBytesPerPartition: opts.maxBytesPerPartition,
    maxWaitTimeInMs: 500,
    // A killed consumer holds its partitions until its session times out; 10 s lets a restarted
    // worker resume quickly (kafkajs's default is 30 s). Heartbeats go every 3 s, also while the
    // caller is writing a batch (see eachBatch).
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });

  const queue: Pending[] = [];
  const waiting = new Set<Pending>();
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  let stopping = false;
  let crash: Error | null = null;
  /** Holds partitions of the topic: assigned at the last join, or a fetch brought messages. */
  let assigned = false;
  let lastActivity = Date.now();
  let read = 0;
  let closed: Promise<void> | null = null;

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const partitions = e.payload.memberAssignment[opts.topic] ?? [];
    assigned = partitions.length > 0;
    if (assigned) {
      lastActivity = Date.now();
      logger.info('partitions assigned', { topic: opts.topic, partitions: partitions.join(',') });
    } else {
      logger.warn('joined the group without partitions: another member holds them; the idle clock waits', { topic: opts.topic, groupId: opts.groupId });
    }
    notify();
  });
  // A rebalance takes the partitions away until the next join.
  consumer.on(consumer.events.REBALANCING, () => {
    assigned = false;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) {
      crash = e.payload.error;
      notify();
    }
  });

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) {
    if (stopping || !isRunning() || isStale()) return;
    const room = maxMessages - read;
    const messages = room < batch.messages.length ? batch.messages.slice(0, room) : batch.messages;
    if (messages.length === 0) return;
    read += messages.length;
    assigned = true;
    lastActivity = Date.now();
    const lastOffset = messages[messages.length - 1].offset;
    let settled = false;
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = () => {
        settled = true;
        r();
      };
    });
    const pending: Pending = {
      lines: messages.map((m) => (m.value ? m.value.toString('utf8') : '')),
      commit: async () => {
        try {
          resolveOffset(lastOffset);
          const next = (BigInt(lastOffset) + 1n).toString();
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
        } finally {
          release();
        }
      },
      abandon: () => release(),
    };
    waiting.add(pending);
    queue.push(pending);
    notify();
    try {
      while (!settled) {
        await Promise.race([done, sleep(HEARTBEAT_EVERY_MS)]);
        if (!settled && !stopping) await heartbeat().catch((err: Error) => logger.warn('heartbeat failed', { error: err }));
      }
    } finally {
      waiting.delete(pending);
    }
  }

  async function close(): Promise<void> {
    closed ??= (async () => {
      stopping = true;
      for (const p of [...waiting, ...queue]) p.abandon();
      queue.length = 0;
      notify();
      await consumer.disconnect();
    })();
    return closed;
  }

  /** After a window that read nothing: pending messages mean they were held elsewhere, not absent. */
  async function failIfLagging(): Promise<void> {
    const partitions = await fetchGroupLag(kafka, opts.groupId, opts.topic, fromBeginning);
    const lag = partitions.reduce((a, p) => a + p.lag, 0);
    if (lag > 0) throw new KafkaLagError(opts.topic, opts.groupId, lag, partitions);
  }

  return {
    async *batches(): AsyncGenerator<SourceBatch> {
      const deadline = Date.now() + windowMs;
      /** Set when the window, the idle limit or maxMessages ended it (not a close() by the caller). */
      let ended = false;
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [opts.topic], fromBeginning });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
        logger.info('consuming', { topic: opts.topic, groupId: opts.groupId, windowMs, maxMessages: opts.maxMessages, idleMs: opts.idleMs });
        for (;;) {
          // The kafkajs error stays the cause, and its own `retriable` decides ours.
          if (crash) {
            const retriable = (crash as { retriable?: unknown }).retriable;
            throw new MarqueeError('KAFKA', `Kafka consumer crashed: ${crash.message}`, {
              cause: crash,
              retriable: typeof retriable === 'boolean' ? retriable : undefined,
            });
          }
          if (stopping) break;
          const now = Date.now();
          if (now >= deadline) {
            ended = true;
            break;
          }
          const next = queue.shift();
          if (next) {
            yield { lines: next.lines, commit: next.commit };
            continue;
          }
          if (read >= maxMessages) {
            ended = true;
            break;
          }
          const idleLeft = opts.idleMs !== undefined && assigned ? lastActivity + opts.idleMs - now : Number.POSITIVE_INFINITY;
          if (idleLeft <= 0) {
            ended = true;
            break;
          }
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.min(deadline - now, idleLeft, 1_000));
          });
        }
      } finally {
        await close();
      }
      if (ended && read === 0) await failIfLagging();
    },
    close,
  };
}
