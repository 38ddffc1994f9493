// Provenance of every served /recommend request: one `reccom` row each, written to MySQL in the
// background in multi-row INSERTs. A request only appends to an in-memory buffer: it never waits on
// MySQL and MySQL being down never fails it. The buffer is bounded; rows that do not fit are dropped
// and counted. Rows that fail to write stay buffered and are retried with exponential backoff.
import type { Pool } from 'mysql2/promise';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { insertParams, insertSql, statementSizes } from './reccom-insert.ts';
import type { ProvenanceMetrics } from './metrics.ts';

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

  constructor(private readonly opts: RecorderOptions) {
    for (const k of ['batchSize', 'flushMs', 'bufferMax'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`provenance ${k} must be a positive integer, got ${opts[k]}`);
    }
    this.log = opts.logger ?? silentLogger;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
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
    // Kept current here, not only after a flush, so a scrape during an outage shows the backlog.
    this.opts.metrics.buffered.set(this.buffered);
    // A full batch goes out now unless a write is running or MySQL is backing off.
    if (last.length === this.opts.batchSize && !this.writing && Date.now() >= this.retryAt) void this.flush();
  }

  /**
   * Writes buffered rows batch by batch until the buffer is empty or a write fails.
   * Resolves once that is done (never rejects); concurrent calls share the running flush.
   */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.buffered === 0 || Date.now() < this.retryAt) return Promise.resolve();
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
        this.opts.metrics.buffered.set(this.buffered);
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
    this.opts.metrics.buffered.set(this.buffered);
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
 * Multi-row INSERTs into `reccom` as prepared statements (see reccom-insert.ts): a batch of a
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
