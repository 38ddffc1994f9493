// Real Kafka (127.0.0.1:9092, `bash scripts/services/kafka-start.sh`): the watch source reads one
// time range by offsets-by-timestamp from two partitions, and leaves no committed offsets behind.
import { describe, expect, it } from 'vitest';
import { createKafkaClient, createProducer } from '../../../pipeline/sources/kafka-client.ts';
import { BROKERS, createTopic, uniqueName } from '../../../pipeline/test/helpers/kafka.ts';
import { createKafkaWatchSource } from '../../measure/kafka-watch-source.ts';

const t0 = Date.parse('2026-01-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const watchLine = (ms: number, user: number, movie: string) => `${iso(ms)},${user},GET /data/m/${movie}/1.mpg`;

describe('Kafka watch source (real broker)', () => {
  it('reads the watches logged in the range, from both partitions, and knows the range is complete', async () => {
    const topic = uniqueName('it-release-watches');
    await createTopic(topic, 2);
    // Minute by minute from t0 − 10 min to t0 + 20 min, alternating partitions, Kafka timestamp = logged time.
    const messages = Array.from({ length: 31 }, (_, i) => {
      const at = t0 + (i - 10) * 60_000;
      return { partition: i % 2, timestamp: String(at), value: watchLine(at, i, `m${i}`) };
    });
    messages.push({ partition: 0, timestamp: String(t0 + 60_000), value: `${iso(t0 + 60_000)},5,GET /rate/m1=4` });
    const producer = createProducer(createKafkaClient(BROKERS, 'marquee-test-producer'));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const source = createKafkaWatchSource({ brokers: BROKERS, topic, lateMs: 1_000 });
    const r = await source.read(t0, t0 + 5 * 60_000);
    // Minutes 0..5 after t0: users 10..15; the rating line is not a watch.
    expect(r.watches.map((w) => w.userId).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(r.watches.find((w) => w.userId === 12)).toEqual({ userId: 12, movieId: 'm12', at: t0 + 2 * 60_000 });
    expect(r.until).toBe(t0 + 5 * 60_000);

    // A range ending now reaches the topic's end before any message past it: the stream is known
    // complete only up to the start of the read − lateMs (lines may still be on their way).
    const now = Date.now();
    const tail = await source.read(t0 + 15 * 60_000, now);
    expect(tail.watches.map((w) => w.userId).sort((a, b) => a - b)).toEqual([25, 26, 27, 28, 29, 30]);
    expect(tail.until).toBeLessThan(now);
    expect(tail.until).toBeGreaterThan(now - 60_000);

    const admin = createKafkaClient(BROKERS, 'marquee-test-admin').admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('marquee-release-watches-'));
    const offsets = await Promise.all(groups.map((groupId) => admin.fetchOffsets({ groupId, topics: [topic] })));
    await admin.disconnect();
    expect(offsets.flat().flatMap((t) => t.partitions).filter((p) => Number(p.offset) >= 0)).toEqual([]);
  }, 90_000);
});
