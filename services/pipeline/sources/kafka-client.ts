// A kafkajs client whose own logs go to the core logger at warn and above (kafkajs is chatty).
import { Kafka, logLevel, type logCreator, Partitioners, type Producer } from 'kafkajs';
import { type Logger, silentLogger } from '../../core/logger.ts';

function routeLogs(logger: Logger): logCreator {
  return () => ({ level, log }) => {
    const { message, ...fields } = log;
    const text = log.logger && log.logger !== 'kafkajs' ? `${log.logger}: ${message}` : String(message);
    delete (fields as Record<string, unknown>).logger;
    delete (fields as Record<string, unknown>).timestamp;
    if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(text, fields);
    else logger.warn(text, fields);
  };
}

export function createKafkaClient(brokers: string[], clientId: string, logger: Logger = silentLogger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: routeLogs(logger.child('kafka')),
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/** A producer with the current default partitioner (stated, so kafkajs does not warn about it). */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Creates the topic if it is missing and waits until it has a leader (produce right after). */
export async function ensureTopic(brokers: string[], topic: string, opts: { partitions?: number; logger?: Logger } = {}): Promise<boolean> {
  const admin = createKafkaClient(brokers, 'marquee-admin', opts.logger).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return false;
    return await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: opts.partitions ?? 1, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a consumer group on a topic, by partition (-1: none committed). */
export async function committedOffsets(brokers: string[], groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = createKafkaClient(brokers, 'marquee-admin').admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}
