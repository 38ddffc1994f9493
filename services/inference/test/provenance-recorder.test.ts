import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvenanceMetrics } from '../metrics.ts';
import { ProvenanceRecorder, shouldDefer, type DeferOptions, type ProvenanceRow, type RowSink } from '../provenance/recorder.ts';

const row = (n: number): ProvenanceRow => ({
  requestId: `r${n}`,
  replica: 'test-1',
  version: 'v1',
  userId: n,
  servedAt: 1_700_000_000_000 + n,
  track: 'stable',
  status: 200,
  latencyMs: 0.5,
  result: 'a,b',
});

/** A sink that can be switched down and up, and records each batch it accepted. */
class FakeSink implements RowSink {
  up = true;
  batches: ProvenanceRow[][] = [];
  attempts = 0;
  closed = false;
  async write(rows: readonly ProvenanceRow[]) {
    this.attempts++;
    if (!this.up) throw new Error('connect ECONNREFUSED');
    this.batches.push([...rows]);
  }
  async close() {
    this.closed = true;
  }
  get rows() {
    return this.batches.flat();
  }
}

const recorders: ProvenanceRecorder[] = [];
function make(sink: RowSink, o: Partial<{ batchSize: number; flushMs: number; bufferMax: number; maxBackoffMs: number; defer: DeferOptions }> = {}) {
  const registry = new Registry();
  const metrics = createProvenanceMetrics(registry);
  const r = new ProvenanceRecorder({ sink, metrics, batchSize: 3, flushMs: 1_000_000, bufferMax: 10, maxBackoffMs: 1, ...o });
  recorders.push(r);
  const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
  return { r, value };
}
afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close(10);
});

/** A sink whose writes wait until released (releases.shift()?.()); batches holds each write's user ids. */
function gatedSink(): { sink: RowSink; batches: number[][]; releases: Array<() => void> } {
  const releases: Array<() => void> = [];
  const batches: number[][] = [];
  const sink: RowSink = {
    write: (rows) => {
      batches.push(rows.map((x) => x.userId));
      return new Promise<void>((res) => releases.push(res));
    },
    close: async () => {},
  };
  return { sink, batches, releases };
}

describe('ProvenanceRecorder', () => {
  it('writes rows in batches of batchSize, in arrival order, and counts them', async () => {
    const sink = new FakeSink();
    const { r, value } = make(sink);
    for (let i = 1; i <= 7; i++) r.record(row(i));
    await r.flush();
    expect(sink.batches.map((b) => b.map((x) => x.userId))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(r.pending).toBe(0);
    expect(await value('provenance_written_total')).toBe(7);
  });

  it('sends a full batch without waiting for the timer', async () => {
    const sink = new FakeSink();
    const { r } = make(sink);
    r.record(row(1));
    r.record(row(2));
    expect(sink.attempts).toBe(0);
    r.record(row(3));
    await r.flush();
    expect(sink.rows.map((x) => x.userId)).toEqual([1, 2, 3]);
  });

  it('flushes a partial batch on the timer', async () => {
    const sink = new FakeSink();
    const { r } = make(sink, { flushMs: 20 });
    r.start();
    r.record(row(1));
    await expect.poll(() => sink.rows.length, { timeout: 2000 }).toBe(1);
  });

  it('keeps rows while the sink is down, drops and counts what exceeds the buffer, writes the rest when it is back', async () => {
    const sink = new FakeSink();
    sink.up = false;
    const { r, value } = make(sink, { bufferMax: 5 });
    for (let i = 1; i <= 8; i++) r.record(row(i));
    await r.flush();
    expect(r.pending).toBe(5);
    expect(await value('provenance_dropped_total')).toBe(3);
    expect(await value('provenance_written_total')).toBe(0);
    expect(await value('provenance_buffered_rows')).toBe(5);

    sink.up = true;
    await new Promise((res) => setTimeout(res, 5)); // past the (1 ms) backoff
    await r.flush();
    expect(sink.rows.map((x) => x.userId)).toEqual([1, 2, 3, 4, 5]);
    expect(r.pending).toBe(0);
    expect(await value('provenance_written_total')).toBe(5);
  });

  it('backs off after a failure instead of hammering the sink', async () => {
    const sink = new FakeSink();
    sink.up = false;
    const { r } = make(sink, { flushMs: 50, maxBackoffMs: 60_000 });
    r.record(row(1));
    await r.flush();
    const after = sink.attempts;
    for (let i = 0; i < 5; i++) await r.flush();
    r.record(row(2));
    r.record(row(3));
    expect(sink.attempts).toBe(after);
  });

  it('keeps rows recorded during a write for the next batch', async () => {
    let release!: () => void;
    const batches: number[][] = [];
    const sink: RowSink = {
      write: (rows) => {
        batches.push(rows.map((x) => x.userId));
        return batches.length === 1 ? new Promise<void>((res) => (release = res)) : Promise.resolve();
      },
      close: async () => {},
    };
    const { r } = make(sink, { batchSize: 2 });
    r.record(row(1));
    const flushing = r.flush();
    r.record(row(2));
    r.record(row(3));
    release();
    await flushing;
    await r.flush();
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('does not chase rows that arrive during a write: a partial batch waits for the next flush, a full one goes', async () => {
    const { sink, batches, releases } = gatedSink();
    const { r } = make(sink, { batchSize: 3, bufferMax: 100 });
    r.record(row(1));
    r.record(row(2));
    r.record(row(3)); // a full batch: written at once
    r.record(row(4));
    r.record(row(5));
    r.record(row(6)); // full while the first is written: written next, by the same flush
    r.record(row(7)); // a partial batch: waits
    for (let i = 0; i < 3; i++) {
      releases.shift()?.();
      await new Promise((res) => setTimeout(res, 5));
    }
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(r.pending).toBe(1);
    const flushing = r.flush(); // the timer's flush: every row buffered now
    await new Promise((res) => setTimeout(res, 5));
    releases.shift()?.();
    await flushing;
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(r.pending).toBe(0);
  });

  it('a flush called during a running one also writes the rows buffered by then', async () => {
    const { sink, batches, releases } = gatedSink();
    const { r } = make(sink, { batchSize: 3, bufferMax: 100 });
    r.record(row(1));
    const first = r.flush();
    r.record(row(2));
    const second = r.flush();
    expect(second).toBe(first);
    releases.shift()!();
    await new Promise((res) => setTimeout(res, 5));
    releases.shift()?.();
    await second;
    expect(batches).toEqual([[1], [2]]);
    expect(r.pending).toBe(0);
  });

  it('close() writes what is buffered, refuses new rows and closes the sink', async () => {
    const sink = new FakeSink();
    const { r, value } = make(sink);
    r.record(row(1));
    expect(await r.close(1000)).toEqual({ written: true, left: 0 });
    expect(sink.rows).toHaveLength(1);
    expect(sink.closed).toBe(true);
    r.record(row(2));
    expect(await value('provenance_dropped_total')).toBe(1);
  });

  it('close() gives up after its timeout when the sink stays down', async () => {
    const sink = new FakeSink();
    sink.up = false;
    const { r } = make(sink);
    r.record(row(1));
    expect(await r.close(150)).toEqual({ written: false, left: 1 });
  });

  it('rejects nonsense sizes', () => {
    expect(() => make(new FakeSink(), { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('shouldDefer', () => {
  const base = { underPressure: true, oldestAgeMs: 1000, pending: 10, maxDeferMs: 60_000, highWaterRows: 100 };
  it('defers only under pressure, with rows younger than maxDeferMs and below high water', () => {
    expect(shouldDefer(base)).toBe(true);
    expect(shouldDefer({ ...base, underPressure: false })).toBe(false);
    expect(shouldDefer({ ...base, oldestAgeMs: 60_000 })).toBe(false);
    expect(shouldDefer({ ...base, pending: 100 })).toBe(false);
    expect(shouldDefer({ ...base, pending: 0 })).toBe(false);
    expect(shouldDefer({ ...base, maxDeferMs: 0 })).toBe(false);
  });
});

describe('ProvenanceRecorder write-behind under CPU pressure', () => {
  const fresh = (n: number): ProvenanceRow => ({ ...row(n), servedAt: Date.now() });
  const pressure = { on: true, underPressure() { return this.on; } };

  it('holds full batches and timer flushes while the CPU is saturated, writes them when it is not', async () => {
    const sink = new FakeSink();
    pressure.on = true;
    const { r, value } = make(sink, { bufferMax: 100, defer: { pressure, maxDeferMs: 60_000 } });
    for (let i = 1; i <= 7; i++) r.record(fresh(i));
    await r.flush();
    expect(sink.attempts).toBe(0);
    expect(r.pending).toBe(7);
    expect(await value('provenance_dropped_total')).toBe(0);

    pressure.on = false;
    await r.flush();
    expect(sink.rows.map((x) => x.userId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.pending).toBe(0);
  });

  it('writes under pressure once the oldest row has waited maxDeferMs', async () => {
    const sink = new FakeSink();
    pressure.on = true;
    const { r } = make(sink, { bufferMax: 100, defer: { pressure, maxDeferMs: 50 } });
    r.record(fresh(1));
    await r.flush();
    expect(sink.attempts).toBe(0);
    expect(r.lagSeconds).toBeLessThan(0.05);
    await new Promise((res) => setTimeout(res, 60));
    expect(r.lagSeconds).toBeGreaterThanOrEqual(0.05);
    await r.flush();
    expect(sink.rows.map((x) => x.userId)).toEqual([1]);
    expect(r.lagSeconds).toBe(0);
  });

  it('writes under pressure at the high water mark, so deferring never drops rows by itself', async () => {
    const sink = new FakeSink();
    pressure.on = true;
    const { r, value } = make(sink, { bufferMax: 10, defer: { pressure, maxDeferMs: 60_000, highWaterRows: 6 } });
    for (let i = 1; i <= 5; i++) r.record(fresh(i));
    await r.flush();
    expect(sink.attempts).toBe(0);
    r.record(fresh(6)); // the high water mark and a full batch (3): written at once
    await r.flush();
    expect(sink.rows).toHaveLength(6);
    expect(await value('provenance_dropped_total')).toBe(0);
  });

  it('close() writes deferred rows whatever the pressure', async () => {
    const sink = new FakeSink();
    pressure.on = true;
    const { r } = make(sink, { bufferMax: 100, defer: { pressure, maxDeferMs: 60_000 } });
    for (let i = 1; i <= 4; i++) r.record(fresh(i));
    expect(await r.close(1000)).toEqual({ written: true, left: 0 });
    expect(sink.rows).toHaveLength(4);
  });

  it('reports the write-behind lag on the timer', async () => {
    const sink = new FakeSink();
    pressure.on = true;
    const { r, value } = make(sink, { flushMs: 20, bufferMax: 100, defer: { pressure, maxDeferMs: 60_000 } });
    r.start();
    r.record({ ...row(1), servedAt: Date.now() - 2000 });
    await expect.poll(() => value('provenance_lag_seconds'), { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    pressure.on = false;
    await expect.poll(() => sink.rows.length, { timeout: 2000 }).toBe(1);
    await expect.poll(() => value('provenance_lag_seconds'), { timeout: 2000 }).toBe(0);
  });
});
