import { describe, expect, it } from 'vitest';
import { KafkaLagError, partitionLags } from '../sources/kafka-lag.ts';

describe('consumer group lag', () => {
  const marks = [
    { partition: 0, low: 0, high: 100 },
    { partition: 1, low: 50, high: 80 },
    { partition: 2, low: 0, high: 0 },
  ];

  it('counts from the committed offset, else from the start the source would take', () => {
    const committed = new Map([[0, 40]]);
    expect(partitionLags(committed, marks, true).map((p) => p.lag)).toEqual([60, 30, 0]);
    // a group that never committed and starts at the end has nothing pending
    expect(partitionLags(committed, marks, false).map((p) => p.lag)).toEqual([60, 0, 0]);
  });

  it('counts an offset deleted by retention from the low watermark, and never goes negative', () => {
    expect(partitionLags(new Map([[1, 10]]), [marks[1]], true)[0].lag).toBe(30);
    expect(partitionLags(new Map([[0, 120]]), [marks[0]], true)[0].lag).toBe(0);
  });

  it('names topic, group, the lag and the lagging partitions', () => {
    const err = new KafkaLagError('movielog', 'marquee-pipeline', 90, partitionLags(new Map([[0, 40]]), marks, true));
    expect(err.name).toBe('KafkaLagError');
    expect(err.message).toMatch(
      /^Kafka topic movielog: read nothing, but consumer group marquee-pipeline has 90 messages pending \(partition 0: committed 40, end 100; partition 1: committed none, end 80\); /,
    );
  });
});
