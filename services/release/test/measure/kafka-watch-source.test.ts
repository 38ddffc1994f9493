import { describe, expect, it } from 'vitest';
import { spanTracker } from '../../measure/kafka-watch-source.ts';

describe('spanTracker (which Kafka messages a range read takes, and when it is done)', () => {
  it('reads each partition up to the end it had when the read began', () => {
    const t = spanTracker([{ partition: 0, start: 10, end: 12 }, { partition: 1, start: 5, end: 5 }], 1_000);
    expect(t.done()).toBe(false);
    expect(t.take(0, 10, 100)).toBe(true);
    expect(t.take(1, 5, 100)).toBe(false); // empty span: nothing to read there
    expect(t.take(0, 11, 100)).toBe(true);
    expect(t.done()).toBe(true);
    // Reached the end, not a message past the range: lines may still be on their way.
    expect(t.complete()).toBe(false);
  });

  it('stops a partition at its first message past the range, and the read is then complete', () => {
    const t = spanTracker([{ partition: 0, start: 0, end: 100 }], 1_000);
    expect(t.take(0, 0, 999)).toBe(true);
    expect(t.take(0, 1, 1_001)).toBe(false);
    expect(t.take(0, 2, 500)).toBe(false);
    expect(t.done()).toBe(true);
    expect(t.complete()).toBe(true);
  });
});
