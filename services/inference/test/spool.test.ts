// The provenance spool on real files: rows survive a process that stops without flushing, are
// read back once (the last line of a row wins), and files go once their rows are in MySQL.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { processStartTicks } from '../../core/process-identity.ts';
import { createProvenanceMetrics } from '../metrics.ts';
import { ProvenanceRecorder, type RowSink } from '../provenance/recorder.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import { decodeRow, encodeRow, readSegment, segmentFiles, Spool } from '../provenance/spool.ts';

const row = (n: number, status = 200): ProvenanceRow => ({
  requestId: `s-${n}`,
  replica: 'stable-1',
  version: '4',
  userId: n,
  servedAt: Date.UTC(2026, 11, 2, 1, 2, 3, n % 1000),
  track: 'stable',
  status,
  latencyMs: n / 8,
  result: `m${n},m2`,
});

/** A sink that stores rows by (request id, replica), as the unique key does, and can fail. */
function keyedSink() {
  const rows = new Map<string, ProvenanceRow>();
  const sink = {
    down: false,
    writes: 0,
    rows,
    async write(batch: readonly ProvenanceRow[]) {
      if (sink.down) throw new Error('MySQL is down');
      sink.writes++;
      for (const r of batch) if (!rows.has(`${r.requestId} ${r.replica}`)) rows.set(`${r.requestId} ${r.replica}`, { ...r });
    },
    async close() {},
  };
  return sink satisfies RowSink;
}

const spoolIn = (dir: string, o: Partial<{ segmentRows: number; segmentMs: number }> = {}) =>
  new Spool({ dir, groupMs: 5, segmentRows: o.segmentRows ?? 1000, segmentMs: o.segmentMs ?? 60_000 });

const recorderFor = (sink: RowSink, spool: Spool, bufferMax = 10_000) =>
  new ProvenanceRecorder({ sink, metrics: createProvenanceMetrics(new Registry()), batchSize: 64, flushMs: 20, bufferMax, spool });

const until = async (ok: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe('spool lines', () => {
  it('round-trips every field, awkward text included', () => {
    const r = { ...row(1), result: 'naïve,"quoted",\\,\n' };
    expect(decodeRow(encodeRow(r).trimEnd())).toEqual(r);
  });

  it('refuses lines that are not rows', () => {
    for (const bad of ['', '{', '[]', '["a"]', JSON.stringify(['a', 'b', 'c', 'x', 1, 't', 200, 1, 'r'])]) expect(decodeRow(bad)).toBeNull();
  });

  it('reads a segment: a torn last line is left out, a later line of the same row wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const path = join(dir, '00000001.ndjson');
    writeFileSync(path, encodeRow(row(1)) + encodeRow(row(2)) + 'junk\n' + encodeRow(row(1, 499)) + encodeRow(row(3)).slice(0, 20));
    const { rows, bad } = readSegment(path);
    expect(rows.map((r) => [r.requestId, r.status])).toEqual([
      ['s-1', 499],
      ['s-2', 200],
    ]);
    expect(bad).toBe(1);
  });
});

describe('the spool with the recorder', () => {
  it('keeps the rows of a process that stopped without flushing, and the next one writes each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    // First process: MySQL down, 300 rows, one amended to abandoned; then it "dies" (never closed).
    const first = spoolIn(dir, { segmentRows: 100 });
    expect(first.open()).toEqual([]);
    const down = keyedSink();
    down.down = true;
    const dead = recorderFor(down, first);
    for (let i = 0; i < 300; i++) {
      const r = row(i);
      const held = dead.hold(r);
      if (i === 7) r.status = 499;
      dead.record(r, held, i === 7);
    }
    // Its writes complete (on the thread pool), then the process "dies": an owner that is not running.
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(first.instanceDir, 'owner'), JSON.stringify({ pid: 2 ** 22 + 1, startTicks: 1 }));

    const second = spoolIn(dir);
    const replay = second.open();
    expect(replay.length).toBeGreaterThanOrEqual(3); // 100 rows per segment
    const sink = keyedSink();
    const recorder = recorderFor(sink, second);
    recorder.start();
    recorder.replay(replay);
    await until(() => sink.rows.size === 300);
    expect(sink.rows.get('s-7 stable-1')?.status).toBe(499);
    // Written segments are deleted, and the adopted directory with them.
    await until(() => segmentFiles(dir).length === 0);
    expect(readdirSync(dir)).toEqual([second.instanceDir.split('/').pop()]);
    // Replaying the same rows again (a crash after writing, before deleting) adds nothing.
    await recorder.close(1000);
    expect(sink.rows.size).toBe(300);
    expect(existsSync(second.instanceDir)).toBe(false);
  });

  it('replays the JSON-line segments (.ndjson) a process of the earlier version left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const old = join(dir, '1764633000000-12345');
    mkdirSync(old);
    writeFileSync(join(old, 'owner'), JSON.stringify({ pid: 2 ** 22 + 1, startTicks: 1 }));
    const json = (r: ProvenanceRow) => `${JSON.stringify([r.requestId, r.replica, r.version, r.userId, r.servedAt, r.track, r.status, r.latencyMs, r.result])}\n`;
    writeFileSync(join(old, '00000001.ndjson'), json(row(1)) + json(row(2)) + json(row(1, 499)));
    const s = spoolIn(dir);
    const replay = s.open();
    expect(replay.map((p) => p.split('/').pop())).toEqual(['00000001.ndjson']);
    const sink = keyedSink();
    const recorder = recorderFor(sink, s);
    recorder.start();
    recorder.replay(replay);
    await until(() => sink.rows.size === 2);
    expect(sink.rows.get('s-1 stable-1')).toEqual(row(1, 499));
    expect(sink.rows.get('s-2 stable-1')).toEqual(row(2));
    await until(() => segmentFiles(dir).length === 0);
    await recorder.close(1000);
  });

  it('names its segments .rows and writes them in the line format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const s = spoolIn(dir);
    s.open();
    const segment = s.append(row(5));
    s.commit();
    expect(segment.path).toMatch(/\/00000001\.rows$/);
    expect(readSegment(segment.path).rows).toEqual([row(5)]);
    expect(segmentFiles(dir)).toEqual([segment.path]);
    s.close(false);
  });

  it('writes the rows appended since the last commit together, and only on commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const s = new Spool({ dir, groupMs: 60_000, segmentRows: 1000, segmentMs: 60_000 });
    s.open();
    const segment = s.append(row(1));
    s.append(row(2));
    expect(readSegment(segment.path).rows).toEqual([]);
    s.commit();
    expect(readSegment(segment.path).rows).toEqual([row(1), row(2)]);
    s.append(row(3));
    s.commit();
    s.commit(); // nothing new: the file stays as it is
    expect(readSegment(segment.path).rows).toEqual([row(1), row(2), row(3)]);
    s.close(false);
  });

  it('reports a failed write at the next commit, also one made while closing a full segment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const s = new Spool({ dir, groupMs: 60_000, segmentRows: 2, segmentMs: 60_000 });
    s.open();
    // The first segment is a full disk: every write to it fails with ENOSPC.
    symlinkSync('/dev/full', join(s.instanceDir, '00000001.rows'));
    s.append(row(1));
    expect(() => s.commit()).toThrow(/ENOSPC/);
    s.append(row(2)); // the first segment's second row
    const second = s.append(row(3)); // closes the first one: its write fails there
    expect(() => s.commit()).toThrow(/ENOSPC/);
    s.commit(); // reported once; the second segment's line goes now
    expect(readSegment(second.path).rows).toEqual([row(3)]);
    const recorder = recorderFor(keyedSink(), s);
    expect(recorder.commit()).toBe(true);
    s.append(row(4));
    s.close(false);
  });

  it('leaves the directory of a running process alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const live = join(dir, 'other');
    mkdirSync(live);
    // The parent process (vitest) stands in for a running replica.
    writeFileSync(join(live, 'owner'), JSON.stringify({ pid: process.ppid, startTicks: processStartTicks(process.ppid) }));
    appendFileSync(join(live, '00000001.ndjson'), encodeRow(row(1)));
    const s = spoolIn(dir);
    expect(s.open()).toEqual([]);
    expect(existsSync(join(live, '00000001.ndjson'))).toBe(true);
  });

  it('keeps rows that do not fit in memory in the spool and writes them once the rest is in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spool = spoolIn(dir, { segmentRows: 50 });
    spool.open();
    const sink = keyedSink();
    sink.down = true;
    const recorder = recorderFor(sink, spool, 40);
    recorder.start();
    for (let i = 0; i < 200; i++) recorder.record(row(i));
    expect(recorder.pending).toBe(40); // the rest wait in the spool only
    sink.down = false;
    await until(() => sink.rows.size === 200, 10_000);
    await recorder.close(1000);
    expect(segmentFiles(dir)).toEqual([]);
  });

  it('without a running recorder, a closed one leaves unwritten rows for the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spool = spoolIn(dir);
    spool.open();
    const sink = keyedSink();
    sink.down = true;
    const recorder = recorderFor(sink, spool);
    for (let i = 0; i < 10; i++) recorder.record(row(i));
    const { left } = await recorder.close(100);
    expect(left).toBe(10);
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(readSegment(segmentFiles(dir)[0]).rows).toHaveLength(10);
  });
});
