// Provenance of every served /recommend request: one `reccom` row each, written to MySQL in the
// background in multi-row INSERTs. A request only appends to an in-memory buffer: it never waits on
// MySQL and MySQL being down never fails it. The buffer is bounded; rows that do not fit are dropped
// and counted. Rows that fail to write stay buffered and are retried with exponential backoff.
//
// Write-behind under CPU pressure: while the host is saturated (MySQL shares it with the replicas
// in the Compose topology, and a row costs MySQL ~10-25 µs of CPU against ~150 µs for the whole
// request) writes wait, up to maxDeferMs for the oldest row or until the buffer reaches its high
// water mark, and catch up once the pressure is gone. A burst of traffic then costs serving almost
// nothing for provenance; only saturation longer than maxDeferMs pays the full price. Pressure is
// judged when a flush starts, not per batch: a catch-up loads the CPU itself and must not stall on
// the pressure it makes.
import type { Pool } from 'mysql2/promise';
import type { Logger } from '../../core/logger.ts';
import { silentLogger } from '../../core/logger.ts';
import { insertParams, insertSql, statementSizes } from './insert.ts';
import type { ProvenanceMetrics } from '../metrics.ts';

export interface ProvenanceRow {
  requestId: string;
  version: string;
  userId: number;
  /** Epoch milliseconds. */
  servedAt: number;
  track: string;
  status: number;
  latencyMs: number;
  /** The ids returned, comma-separated as served. */
  result: string;
}

/** Where batches go; a MySQL pool in production, a fake in unit tests. */
export interface RowSink {
  write(rows: readonly ProvenanceRow[]): Promise<void>;
  close(): Promise<void>;
}

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
  /** Rows held at most; beyond it new rows are dropped. */
  bufferMax: number;
  /** Retry delay after a failed write doubles from flushMs up to this. */
  maxBackoffMs?: number;
  /** Write-behind under CPU pressure; absent: rows are written as soon as a batch is due. */
  defer?: DeferOptions;
  logger?: Logger;
}

export class ProvenanceRecorder {
  /** Rows in arrival order, in chunks of at most batchSize; chunks[0] is the next INSERT. */
  private readonly chunks: ProvenanceRow[][] = [[]];
  private buffered = 0;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private readonly log: Logger;
  private readonly maxBackoffMs: number;
  private readonly highWaterRows: number;

  constructor(private readonly opts: RecorderOptions) {
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
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** Buffers one row; O(1), never throws, never waits. */
  record(row: ProvenanceRow): void {
    if (this.closed || this.buffered >= this.opts.bufferMax) {
      this.opts.metrics.dropped.inc();
      return;
    }
    let last = this.chunks[this.chunks.length - 1];
    if (last.length >= this.opts.batchSize) {
      last = [];
      this.chunks.push(last);
    }
    last.push(row);
    this.buffered++;
    // A full batch goes out now unless a write is running, MySQL is backing off or the CPU is saturated.
    if (last.length === this.opts.batchSize && !this.writing && Date.now() >= this.retryAt) void this.flush();
  }

  /**
   * Writes buffered rows batch by batch until the buffer is empty or a write fails.
   * Resolves once that is done (never rejects); concurrent calls share the running flush.
   */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.buffered === 0 || Date.now() < this.retryAt || this.deferring()) return Promise.resolve();
    this.writing = this.drain().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.buffered > 0) {
      const batch = this.chunks[0];
      if (batch.length === 0) {
        this.chunks.shift();
        continue;
      }
      // New rows must not join a batch while it is being written.
      if (this.chunks.length === 1) this.chunks.push([]);
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
      if (this.chunks.length === 0) this.chunks.push([]);
      this.buffered -= batch.length;
      this.opts.metrics.written.inc(batch.length);
      if (this.failures > 0) this.log.info('provenance writes recovered', { afterFailures: this.failures, pending: this.buffered });
      this.failures = 0;
      this.retryAt = 0;
    }
  }

  /**
   * Stops taking rows and writes what is buffered, giving up after `timeoutMs` (best effort on
   * shutdown; rows still buffered then are reported and lost). Closes the sink.
   */
  async close(timeoutMs: number): Promise<{ written: boolean; left: number }> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.buffered > 0 && Date.now() < deadline) {
      this.retryAt = 0;
      const attempt = this.flush();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([attempt, new Promise((r) => (timeout = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timeout);
      if (this.buffered > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(100, deadline - Date.now())));
    }
    const left = this.buffered;
    if (left > 0) this.log.warn('provenance rows not written at shutdown', { left });
    await Promise.race([this.opts.sink.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    return { written: left === 0, left };
  }
}

/**
 * Multi-row INSERTs into `reccom` as prepared statements (see insert.ts): a batch of a
 * power-of-two size is one statement; any other size is a few statements in one transaction, so a
 * batch is written whole or not at all.
 */
export function mysqlRowSink(pool: Pool): RowSink {
  return {
    async write(rows) {
      const sizes = statementSizes(rows.length);
      if (sizes.length === 0) return;
      if (sizes.length === 1) {
        await pool.execute(insertSql(sizes[0]), insertParams(rows, 0, sizes[0]));
        return;
      }
      const conn = await pool.getConnection();
      let healthy = true;
      try {
        await conn.beginTransaction();
        let from = 0;
        for (const size of sizes) {
          await conn.execute(insertSql(size), insertParams(rows, from, size));
          from += size;
        }
        await conn.commit();
      } catch (err) {
        await conn.rollback().catch(() => {
          healthy = false;
        });
        throw err;
      } finally {
        // A connection that could not even roll back is not handed to the next batch.
        if (healthy) conn.release();
        else conn.destroy();
      }
    },
    close: () => pool.end(),
  };
}
