// A consumer group's lag on a topic: how many messages lie between where the group would start
// reading (its committed offset) and the end of each partition (the high watermark). The Kafka
// source asks for it when a window read nothing: an empty window over a lagging group means another
// member (often a killed collector whose session has not timed out) holds the partitions, and ending
// quietly would hand the pipeline an unchanged snapshot to version as if the topic had been quiet.
import type { Kafka } from 'kafkajs';
import { MarqueeError } from '../../core/errors.ts';

export interface PartitionLag {
  partition: number;
  /** -1 when the group has committed nothing on the partition. */
  committed: number;
  low: number;
  high: number;
  lag: number;
}

export class KafkaLagError extends MarqueeError {
  readonly topic: string;
  readonly groupId: string;
  readonly lag: number;
  readonly partitions: PartitionLag[];

  constructor(
    topic: string,
    groupId: string,
    lag: number,
    partitions: PartitionLag[],
  ) {
    const lagging = partitions.filter((p) => p.lag > 0);
    const detail = lagging.map((p) => `partition ${p.partition}: committed ${p.committed < 0 ? 'none' : p.committed}, end ${p.high}`).join('; ');
    super(
      'KAFKA_LAG',
      `Kafka topic ${topic}: read nothing, but consumer group ${groupId} has ${lag} messages pending (${detail}); ` +
        'another member of the group still holds the partitions (a killed collector keeps them until its session times out) ' +
        'or the window ended before they were assigned. Nothing was read, so nothing must be versioned: run again',
    );
    this.topic = topic;
    this.groupId = groupId;
    this.lag = lag;
    this.partitions = partitions;
  }
}

/**
 * Lag by partition (pure). A partition without a committed offset starts at its beginning
 * (`fromBeginning`) or its end; an offset below the low watermark (deleted by retention) counts from it.
 */
export function partitionLags(
  committed: ReadonlyMap<number, number>,
  watermarks: ReadonlyArray<{ partition: number; low: number; high: number }>,
  fromBeginning: boolean,
): PartitionLag[] {
  return watermarks.map(({ partition, low, high }) => {
    const c = committed.get(partition) ?? -1;
    const start = c >= 0 ? Math.max(c, low) : fromBeginning ? low : high;
    return { partition, committed: c, low, high, lag: Math.max(0, high - start) };
  });
}

/** The group's lag on the topic, from the committed offsets and the watermarks (admin API). */
export async function fetchGroupLag(kafka: Kafka, groupId: string, topic: string, fromBeginning: boolean): Promise<PartitionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    const marks = await admin.fetchTopicOffsets(topic);
    return partitionLags(
      committed,
      marks.map((m) => ({ partition: m.partition, low: Number(m.low), high: Number(m.high) })),
      fromBeginning,
    );
  } finally {
    await admin.disconnect();
  }
}
