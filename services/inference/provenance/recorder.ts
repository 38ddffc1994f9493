// Provenance of every /recommend answer: one `reccom` row each, written to MySQL in the background
// in multi-row INSERTs. A request only appends to an in-memory buffer and the local spool
// (spool.ts): it never waits on MySQL, and MySQL being down never fails it. Rows that fail to write
// stay buffered and are retried with exponential backoff. The memory buffer is bounded: rows that
// do not fit stay in the spool only, and their segment is read back once the rest is written; the
// spool's segments of a process that died are replayed by the next one (replay()). Without a spool
// (unit tests, PROVENANCE_SPOOL=off) rows that do not fit are dropped and counted.
//
// Write-behind under CPU pressure: while the host is saturated (MySQL shares it with the replicas
// in the Compose topology, and a row costs MySQL ~10-25 µs of CPU against ~150 µs for the whole
// request through NGINX; cpu-pressure.ts) writes wait, up to maxDeferMs for the oldest row or until the buffer reaches its high
// water mark, and catch up once the pressure is gone. A burst of traffic then costs serving almost
// nothing for provenance; only saturation longer than maxDeferMs pays the full price. Pressure is
// judged when a flush starts, not per batch: a catch-up loads the CPU itself and must not stall on
// the pressure it makes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.ts';
import { silentLogger } from '../../core/logger.ts';
import { rowProblem } from '../../core/provenance/insert.ts';
import type { RowSink } from '../../core/provenance/row-sink.ts';
import type { ProvenanceMetrics } from '../metrics.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import type { Segment, Spool } from './spool.ts';
import { readSegment } from './spool.ts';

export type { ProvenanceRow } from '../../core/provenance/row.ts';
export type { RowSink } from '../../core/provenance/row-sink.ts';

/** The spool segment a row went to before its answer went out (ProvenanceRecorder.hold); null: none. */
export type Held = Segment | null;

/** When writes may wait: see shouldDefer. */
export interface DeferOptions {
  /** True while the host's CPU is saturated (cpu-pressure.ts). */
  pressure: { underPressure(): boolean };
  /** The oldest buffered row waits at most this long. */
  maxDeferMs: number;
  /** Buffered rows at or above which writes go on regardless (default: 80 % of bufferMax). */
  highWaterRows?: number;
}

/** Whether the buffered rows may wait: only under pressure, young enough and below high water. */
export function shouldDefer(s: { underPressure: boolean; oldestAgeMs: number; pending: number; maxDeferMs: number; highWaterRows: number }): boolean {
  return s.underPressure && s.pending > 0 && s.oldestAgeMs < s.maxDeferMs && s.pending < s.highWaterRows;
}

export interface RecorderOptions {
  sink: RowSink;
  metrics: ProvenanceMetrics;
  /** Rows per INSERT; a full batch is written without waiting for the timer. */
  batchSize: number;
  /** Interval of the background flush. */
  flushMs: number;
  /** Rows held in memory at most; beyond it rows wait in the spool only (without one: dropped). */
  bufferMax: number;
  /** Retry delay after a failed write doubles from flushMs up to this. */
  maxBackoffMs?: number;
  /** Write-behind under CPU pressure; absent: rows are written as soon as a batch is due. */
  defer?: DeferOptions;
  /** Durable local copy of every row until it is in MySQL; absent: rows live in memory only. */
  spool?: Spool;
  logger?: Logger;
}

export class ProvenanceRecorder {
  /** Rows in arrival order, in chunks of at most batchSize; chunks[0] is the next INSERT. */
  private readonly chunks: ProvenanceRow[][] = [[]];
  /** The spool segment of each row in `chunks` (same shape), to delete a segment once written. */
  private readonly segments: Array<Array<Segment | undefined>> = [[]];
  /** Segment files to read back into the buffer: a dead process's, or ones that spilled. */
  private readonly replayQueue: string[] = [];
  private buffered = 0;
  /**
   * Rows at the head of the buffer that the running flush writes whatever the size of their batch
   * (the rows buffered when flush() was called). Rows that arrive during the flush are written by
   * it only as full batches; the rest waits for the next flush (the timer, or a batch filling up).
   * Without this a flush chased the tail: each write took the few rows that came in during the
   * previous one, so at 2,000 rows/s the batches were ~10 rows, i.e. ~400 statements and
   * transactions per second, which cost the replica ~14 µs and MariaDB ~20-45 µs of CPU per row
   * (docs/benchmarks.md, 2026-12-02).
   */
  private due = 0;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private spoolFailures = 0;
  private retryAt = 0;
  private closed = false;
  private readonly log: Logger;
  private readonly maxBackoffMs: number;
  private readonly highWaterRows: number;

  private readonly opts: RecorderOptions;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    for (const k of ['batchSize', 'flushMs', 'bufferMax'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`provenance ${k} must be a positive integer, got ${opts[k]}`);
    }
    if (opts.defer && !(opts.defer.maxDeferMs >= 0)) throw new Error(`provenance maxDeferMs must be >= 0, got ${opts.defer.maxDeferMs}`);
    this.log = opts.logger ?? silentLogger;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.highWaterRows = opts.defer?.highWaterRows ?? Math.max(1, Math.floor(opts.bufferMax * 0.8));
    opts.metrics.watch(this);
  }

  /** Epoch ms of the oldest buffered row; undefined when none is. */
  private oldestServedAt(): number | undefined {
    for (const chunk of this.chunks) if (chunk.length > 0) return chunk[0].servedAt;
    return undefined;
  }

  /** True while writes wait for the CPU pressure to pass (never once closing). */
  private deferring(): boolean {
    const d = this.opts.defer;
    if (!d || this.closed || this.buffered === 0) return false;
    const oldest = this.oldestServedAt() ?? Date.now();
    return shouldDefer({
      underPressure: d.pressure.underPressure(),
      oldestAgeMs: Date.now() - oldest,
      pending: this.buffered,
      maxDeferMs: d.maxDeferMs,
      highWaterRows: this.highWaterRows,
    });
  }

  /** Seconds the oldest buffered row has waited (0 when none): the write-behind lag. */
  get lagSeconds(): number {
    const oldest = this.oldestServedAt();
    return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.buffered;
  }

  /** Starts the background flush timer. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      this.pumpReplay();
      void this.flush();
    }, this.opts.flushMs);
    this.timer.unref();
  }

  /**
   * Appends the row to the spool, to be written by the next commit(): call that before the answer
   * is sent, so that an answer a caller received has its row on disk (a write(2): in the page
   * cache, which kill -9 does not lose). Pass the result to record() once the row is final (null
   * if the commit failed). Never throws.
   */
  hold(row: ProvenanceRow): Held {
    const spool = this.opts.spool;
    if (!spool || this.closed) return null;
    try {
      return spool.append(row);
    } catch (err) {
      this.spoolFailed(err);
      return null;
    }
  }

  /**
   * Writes the rows held since the last commit to the spool in one write(2) (one per turn of the
   * event loop, for all the answers of that turn: app.ts). False when the write failed: those rows
   * then live in memory only (record them with held = null). Never throws.
   */
  commit(): boolean {
    try {
      this.opts.spool?.commit();
      return true;
    } catch (err) {
      this.spoolFailed(err);
      return false;
    }
  }

  /** A full or broken disk must not fail the request: the row lives in memory only. */
  private spoolFailed(err: unknown): void {
    this.spoolFailures++;
    if (this.spoolFailures === 1 || this.spoolFailures % 1000 === 0) {
      this.log.error('provenance spool write failed; rows kept in memory only', { error: (err as Error).message, failures: this.spoolFailures });
    }
  }

  /** hold() and commit() for one row. */
  private holdNow(row: ProvenanceRow): Held {
    const held = this.hold(row);
    return held && this.commit() ? held : null;
  }

  /**
   * Queues one row for MySQL; O(1), never throws, never waits. `held` is what hold() returned for
   * it, committed (default: it is spooled now); `amended` says its status changed since, so the
   * spool gets it again.
   */
  record(row: ProvenanceRow, held: Held = this.holdNow(row), amended = false): void {
    const segment = held ?? undefined;
    if (segment && amended) {
      try {
        this.opts.spool!.amend(segment, row);
      } catch (err) {
        this.log.warn('provenance spool: cannot amend a row', { error: (err as Error).message });
      }
    }
    // A row MySQL would refuse would block every batch behind it; it cannot come from the app
    // (its parts are validated on the way in), so this is a bug to report, not a row to keep.
    const problem = rowProblem(row);
    if (this.closed || problem) {
      this.opts.metrics.dropped.inc();
      if (problem) this.log.error('provenance row dropped: it does not fit reccom', { problem });
      // Kept in the spool (if there) for the next start, which skips it if it does not fit.
      if (segment) this.leaveInSpool(segment);
      return;
    }
    if (this.buffered >= this.opts.bufferMax) {
      if (segment) {
        this.opts.metrics.spilled.inc();
        this.leaveInSpool(segment);
      } else this.opts.metrics.dropped.inc();
      return;
    }
    const last = this.enqueue(row, segment);
    // A full batch goes out now unless a write is running (which then takes it: full batches are
    // always due), MySQL is backing off or the CPU is saturated.
    if (last.length === this.opts.batchSize && !this.writing && Date.now() >= this.retryAt) void this.write(false);
  }

  /** The row stays in its segment only: the whole file is read back once the rest is written. */
  private leaveInSpool(segment: Segment): void {
    segment.spilled = true;
    this.opts.spool!.written(segment, 1);
  }

  /** Appends to the last chunk (a new one when full); returns that chunk. */
  private enqueue(row: ProvenanceRow, segment: Segment | undefined): ProvenanceRow[] {
    let last = this.chunks[this.chunks.length - 1];
    let lastSegments = this.segments[this.segments.length - 1];
    if (last.length >= this.opts.batchSize) {
      last = [];
      lastSegments = [];
      this.chunks.push(last);
      this.segments.push(lastSegments);
    }
    last.push(row);
    lastSegments.push(segment);
    this.buffered++;
    return last;
  }

  /**
   * Queues segment files written by earlier processes (Spool.open) to be read back and written;
   * they are read one at a time, while the buffer has room.
   */
  replay(paths: readonly string[]): void {
    this.replayQueue.push(...paths);
    this.pumpReplay();
  }

  /** Reads queued segments into the buffer while it is at most half full. */
  private pumpReplay(): void {
    const spool = this.opts.spool;
    if (spool) this.replayQueue.push(...spool.takeReplays());
    while (spool && this.replayQueue.length > 0 && this.buffered <= this.opts.bufferMax / 2) {
      const path = this.replayQueue.shift()!;
      let rows: ProvenanceRow[];
      try {
        const read = readSegment(path);
        rows = read.rows;
        if (read.bad > 0) this.log.warn('provenance spool: lines that are not rows skipped', { path, lines: read.bad });
      } catch (err) {
        this.log.warn('provenance spool: cannot read a segment', { path, error: (err as Error).message });
        continue;
      }
      const segment = spool.replaying(path);
      let queued = 0;
      for (const row of rows) {
        if (rowProblem(row)) continue;
        segment.unwritten++;
        this.enqueue(row, segment);
        queued++;
      }
      this.opts.metrics.replayed.inc(queued);
      spool.written(segment, 0); // an empty file goes at once
    }
  }

  /**
   * Writes the rows buffered now batch by batch (and any batch that fills up meanwhile) until they
   * are written or a write fails. Resolves once that is done (never rejects); a call during a
   * running flush extends it to the rows buffered now and shares it.
   */
  flush(): Promise<void> {
    return this.write(true);
  }

  /** Starts (or extends) a flush: of every buffered row with `all`, else of full batches only. */
  private write(all: boolean): Promise<void> {
    if (this.buffered === 0 || Date.now() < this.retryAt) return this.writing ?? Promise.resolve();
    if (!this.writing && this.deferring()) return Promise.resolve();
    if (all) this.due = this.buffered;
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.buffered > 0) {
      const batch = this.chunks[0];
      if (batch.length === 0) {
        this.chunks.shift();
        this.segments.shift();
        continue;
      }
      if (this.due <= 0 && batch.length < this.opts.batchSize) return;
      // New rows must not join a batch while it is being written.
      if (this.chunks.length === 1) {
        this.chunks.push([]);
        this.segments.push([]);
      }
      try {
        await this.opts.sink.write(batch);
      } catch (err) {
        this.failures++;
        const delay = Math.min(this.maxBackoffMs, this.opts.flushMs * 2 ** Math.min(this.failures - 1, 20));
        this.retryAt = Date.now() + delay;
        // Log the first failure and then sparsely, so a long outage does not flood the log.
        if (this.failures === 1 || this.failures % 50 === 0) {
          this.log.warn('provenance write failed; rows kept for retry', {
            error: err instanceof Error ? err.message : String(err),
            pending: this.buffered,
            failures: this.failures,
            retryInMs: delay,
          });
        }
        return;
      }
      this.chunks.shift();
      const segments = this.segments.shift()!;
      if (this.chunks.length === 0) {
        this.chunks.push([]);
        this.segments.push([]);
      }
      this.buffered -= batch.length;
      this.due = Math.max(0, this.due - batch.length);
      this.opts.metrics.written.inc(batch.length);
      this.settleSegments(segments);
      if (this.failures > 0) this.log.info('provenance writes recovered', { afterFailures: this.failures, pending: this.buffered });
      this.failures = 0;
      this.retryAt = 0;
      this.pumpReplay();
    }
  }

  /** Tells the spool which of its rows are in MySQL now (runs of one segment at a time). */
  private settleSegments(segments: ReadonlyArray<Segment | undefined>): void {
    const spool = this.opts.spool;
    if (!spool) return;
    for (let i = 0; i < segments.length; ) {
      const s = segments[i];
      let j = i + 1;
      while (j < segments.length && segments[j] === s) j++;
      // A segment that spilled is then read back whole (rows already written are skipped by MySQL).
      if (s) spool.written(s, j - i);
      i = j;
    }
  }

  /**
   * Stops taking rows and writes what is buffered, giving up after `timeoutMs` (best effort on
   * shutdown; rows still buffered then are reported and lost). Closes the sink.
   */
  async close(timeoutMs: number): Promise<{ written: boolean; left: number }> {
    this.closed = true;
    this.opts.spool?.seal();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.buffered > 0 && Date.now() < deadline) {
      this.retryAt = 0;
      const attempt = this.flush();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([attempt, new Promise((r) => (timeout = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timeout);
      if (this.buffered > 0 && Date.now() < deadline) await sleep(Math.min(100, deadline - Date.now()));
    }
    const left = this.buffered;
    if (this.opts.spool) {
      const spooled = left > 0 || this.replayQueue.length > 0 || this.opts.spool.replaysPending;
      if (spooled) this.log.warn('provenance rows not yet in MySQL stay in the spool for the next start', { left, segments: this.replayQueue.length });
      await this.opts.spool.close(!spooled);
    } else if (left > 0) this.log.warn('provenance rows not written at shutdown', { left });
    await Promise.race([this.opts.sink.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    return { written: left === 0, left };
  }
}
