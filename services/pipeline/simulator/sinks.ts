// Where simulated log lines go: a Kafka topic (as in the course), a file, or a callback (tests).
import type { Producer } from 'kafkajs';
import { type Logger, silentLogger } from '../../core/logger.ts';
import { appendDurably } from '../clean/durable-append.ts';
import { createKafkaClient, createProducer, ensureTopic } from '../sources/kafka-client.ts';

export interface LineSink {
  write(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Produces to `topic` (created if missing), one message per line, acks from all replicas. */
export function createKafkaSink(opts: { brokers: string[]; topic: string; logger?: Logger }): LineSink {
  let producer: Producer | null = null;
  let opening: Promise<Producer> | null = null;
  const open = () =>
    (opening ??= (async () => {
      await ensureTopic(opts.brokers, opts.topic, { logger: opts.logger });
      const p = createProducer(createKafkaClient(opts.brokers, 'marquee-simulator', opts.logger ?? silentLogger));
      await p.connect();
      producer = p;
      return p;
    })());
  return {
    async write(lines) {
      if (lines.length === 0) return;
      const p = await open();
      await p.send({ topic: opts.topic, acks: -1, messages: lines.map((value) => ({ value })) });
    },
    async close() {
      if (opening) await opening.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}

export function createFileSink(path: string): LineSink {
  return {
    async write(lines) {
      if (lines.length) appendDurably(path, `${lines.join('\n')}\n`);
    },
    async close() {},
  };
}

export function createCallbackSink(onLines: (lines: string[]) => void | Promise<void>): LineSink {
  return {
    async write(lines) {
      if (lines.length) await onLines(lines);
    },
    async close() {},
  };
}
