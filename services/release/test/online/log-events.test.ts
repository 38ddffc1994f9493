import { describe, expect, it } from 'vitest';
import { rateLine, recommendationLine, watchLine } from '../../../pipeline/simulator/lines.ts';
import { eventsFromLogLines } from '../../online/log-events.ts';

describe('eventsFromLogLines', () => {
  it('reads watches and the successful answers through the pipeline parser, times as UTC', () => {
    const lines = [
      recommendationLine('2026-12-02T10:00:00', 5, 'canary:8082', 200, 'a+1, b+2', 12),
      recommendationLine('2026-12-02T10:00:01', 6, 'stable:8082', 500, 'boom', 3),
      watchLine('2026-12-02T10:00:05', 5, 'b+2', 0),
      rateLine('2026-12-02T10:00:09', 5, 'b+2', 4),
      'garbage',
    ];
    const { served, watches } = eventsFromLogLines(lines);
    expect(served).toEqual([{ userId: 5, servedAt: Date.UTC(2026, 11, 2, 10, 0, 0), group: 'canary:8082', ids: ['a+1', 'b+2'] }]);
    expect(watches).toEqual([{ userId: 5, movieId: 'b+2', at: Date.UTC(2026, 11, 2, 10, 0, 5) }]);
    const mapped = eventsFromLogLines(lines, { groupOf: (s) => (s.startsWith('canary') ? 'canary' : null) });
    expect(mapped.served.map((s) => s.group)).toEqual(['canary']);
  });
});
