import { describe, expect, it } from 'vitest';
import { applyRows, emptyState, planMerge } from '../clean/merge.ts';
import { collapseEvents, compareRows, emptyBatch, addEvent } from '../clean/rows.ts';
import { parseLine } from '../parse/line.ts';
import type { LogEvent } from '../parse/types.ts';

const events = (...lines: string[]): LogEvent[] =>
  lines.map((l) => {
    const r = parseLine(l);
    if (r.kind === 'rejected') throw new Error(`fixture line rejected (${r.reason}): ${l}`);
    return r;
  });

describe('collapseEvents', () => {
  it('collapses one line per watched minute into one (user, movie) row: highest minute, last seen', () => {
    const b = collapseEvents(
      events(
        '2023-11-29T14:02:11,5,GET /data/m/up+2009/1.mpg',
        '2023-11-29T14:03:11,5,GET /data/m/up+2009/2.mpg',
        '2023-11-29T14:05:11,5,GET /data/m/up+2009/4.mpg',
        '2023-11-29T14:04:11,5,GET /data/m/up+2009/3.mpg', // out of order
        '2023-11-29T14:02:30,6,GET /data/m/up+2009/0.mpg',
        '2023-11-29T14:02:31,5,GET /data/m/cars+2006/9.mpg',
      ),
    );
    expect([...b.watches.values()].sort(compareRows)).toEqual([
      { user: 5, movie: 'cars+2006', minutes: 9, lastSeen: '2023-11-29T14:02:31' },
      { user: 5, movie: 'up+2009', minutes: 4, lastSeen: '2023-11-29T14:05:11' },
      { user: 6, movie: 'up+2009', minutes: 0, lastSeen: '2023-11-29T14:02:30' },
    ]);
    expect(b.ratings.size).toBe(0);
  });

  it('keeps the latest rating by timestamp, whatever the arrival order', () => {
    const b = collapseEvents(
      events(
        '2023-11-29T14:05:40,5,GET /rate/up+2009=2',
        '2023-11-29T14:09:40,5,GET /rate/up+2009=4',
        '2023-11-29T14:07:40,5,GET /rate/up+2009=1', // older than the one before: ignored
      ),
    );
    expect([...b.ratings.values()]).toEqual([{ user: 5, movie: 'up+2009', rating: 4, at: '2023-11-29T14:09:40' }]);
  });

  it('breaks timestamp ties by arrival: the later line wins', () => {
    const b = collapseEvents(events('2023-11-29T14:05:40,5,GET /rate/up+2009=2', '2023-11-29T14:05:40,5,GET /rate/up+2009=5'));
    expect(b.ratings.get('5,up+2009')?.rating).toBe(5);
  });

  it('orders timestamps of different precision chronologically', () => {
    const b = emptyBatch();
    for (const e of events('2023-11-29T14:05:40.500,5,GET /rate/up+2009=3', '2023-11-29T14:05,5,GET /rate/up+2009=1', '2023-11-29T14:05:40,5,GET /rate/up+2009=2')) addEvent(b, e);
    expect(b.ratings.get('5,up+2009')).toMatchObject({ rating: 3, at: '2023-11-29T14:05:40.500' });
  });

  it('ignores recommendation events', () => {
    const b = collapseEvents(events('2023-11-29T14:06:02,5,recommendation request h:1, status 200, result: a+1, 5 ms'));
    expect(b.ratings.size + b.watches.size).toBe(0);
  });
});

describe('planMerge', () => {
  const batch = (...lines: string[]) => collapseEvents(events(...lines));

  it('counts added and updated rows and plans only real changes', () => {
    const state = emptyState();
    const first = planMerge(state, batch('2023-01-01T00:00:01,1,GET /rate/a+1=3', '2023-01-01T00:00:01,1,GET /data/m/a+1/2.mpg'));
    expect(first).toMatchObject({ ratingsAdded: 1, ratingsUpdated: 0, watchesAdded: 1, watchesUpdated: 0 });
    applyRows(state, first.ratings, first.watches);

    const second = planMerge(
      state,
      batch(
        '2023-01-01T00:00:09,1,GET /rate/a+1=5', // newer: update
        '2023-01-01T00:00:09,2,GET /rate/a+1=4', // new pair
        '2023-01-01T00:00:09,1,GET /data/m/a+1/1.mpg', // lower minute, later time: lastSeen moves
      ),
    );
    expect(second).toMatchObject({ ratingsAdded: 1, ratingsUpdated: 1, watchesAdded: 0, watchesUpdated: 1 });
    expect(second.watches).toEqual([{ user: 1, movie: 'a+1', minutes: 2, lastSeen: '2023-01-01T00:00:09' }]);
    applyRows(state, second.ratings, second.watches);
    expect(state.ratings.get('1,a+1')).toMatchObject({ rating: 5 });
  });

  it('ignores an older rating arriving late', () => {
    const state = emptyState();
    const p = planMerge(state, batch('2023-01-01T00:00:09,1,GET /rate/a+1=5'));
    applyRows(state, p.ratings, p.watches);
    const late = planMerge(state, batch('2023-01-01T00:00:01,1,GET /rate/a+1=1'));
    expect(late).toMatchObject({ ratings: [], ratingsAdded: 0, ratingsUpdated: 0 });
  });

  it('plans nothing for a replayed batch (idempotent)', () => {
    const state = emptyState();
    const lines = ['2023-01-01T00:00:01,1,GET /rate/a+1=3', '2023-01-01T00:00:02,1,GET /data/m/a+1/7.mpg', '2023-01-01T00:00:02,3,GET /rate/b+2=1'];
    const p = planMerge(state, batch(...lines));
    applyRows(state, p.ratings, p.watches);
    const replay = planMerge(state, batch(...lines));
    expect(replay).toEqual({ ratings: [], watches: [], ratingsAdded: 0, ratingsUpdated: 0, watchesAdded: 0, watchesUpdated: 0 });
  });

  it('gives the same state whichever way the lines are split into batches', () => {
    const lines = Array.from({ length: 60 }, (_, i) => {
      const sec = String(i % 60).padStart(2, '0');
      return i % 3 === 0 ? `2023-01-01T00:00:${sec},${i % 4 + 1},GET /rate/m+${i % 5}=${(i % 5) + 1}` : `2023-01-01T00:00:${sec},${i % 4 + 1},GET /data/m/m+${i % 5}/${i % 7}.mpg`;
    });
    const run = (size: number) => {
      const state = emptyState();
      for (let i = 0; i < lines.length; i += size) {
        const p = planMerge(state, batch(...lines.slice(i, i + size)));
        applyRows(state, p.ratings, p.watches);
      }
      return { ratings: [...state.ratings.values()].sort(compareRows), watches: [...state.watches.values()].sort(compareRows) };
    };
    expect(run(7)).toEqual(run(60));
    expect(run(1)).toEqual(run(60));
  });
});
