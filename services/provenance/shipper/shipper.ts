// The provenance shipper: reads NGINX's provenance log (a line per answer NGINX passed on, see
// nginx-line.ts) and writes its rows into `reccom`.
//
// What makes it safe to crash at any point: the log is the durable record, and the shipper's
// position in it (a checkpoint: the file's inode and a byte offset) moves only after MySQL has
// committed every row before it. A restart re-reads from the checkpoint; rows written again are
// skipped by reccom's unique key (INSERT IGNORE, core/provenance/insert.ts). MySQL down or
// hung: nothing moves, the log keeps growing, the rows follow when MySQL is back.
//
// Rotation is the shipper's, since only it knows what has been shipped: once the live file is
// larger than rotateBytes and read to its end, it is renamed to `<log>.<epoch ms>` and NGINX is
// asked to reopen its logs (SIGUSR1 to the master in nginxPidFile; without one, NGINX must be
// reopened by its host, e.g. the Compose service's periodic `nginx -s reopen`). NGINX writes
// into the renamed file until it reopens, so that file is deleted only once the live file is
// back and the renamed one has not grown for settleMs (longer than NGINX's buffer flush, 1 s).
//
// Write-behind under CPU pressure, as the replicas' recorder did: while the host is saturated,
// shipping waits (at most maxDeferMs behind), so that MySQL's inserts do not take CPU from serving.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import type { Logger } from '../../core/logger.ts';
import { silentLogger } from '../../core/logger.ts';
import type { RowSink } from '../../inference/provenance/recorder.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import { parseProvenanceLine } from './nginx-line.ts';

export interface ShipperOptions {
  /** NGINX's provenance log (the live file). */
  log: string;
  /** Where the position is kept (JSON, replaced atomically). */
  checkpoint: string;
  sink: RowSink;
  /** Rows per write. */
  batchSize: number;
  /** Bytes read per step (whole lines only). */
  readBytes?: number;
  rotateBytes: number;
  settleMs?: number;
  /** NGINX's pid file: SIGUSR1 to its master after a rotation. */
  nginxPidFile?: string;
  /** While this says the host is saturated, shipping waits up to maxDeferMs. */
  pressure?: { underPressure(): boolean };
  maxDeferMs?: number;
  /** Retry delay after a failed write doubles from retryMs up to maxBackoffMs. */
  retryMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface ShipperCounters {
  shipped: number;
  /** Lines that are not rows (torn, another format, values reccom cannot hold): skipped, logged. */
  badLines: number;
  rotations: number;
  failures: number;
}

interface Position {
  inode: number;
  offset: number;
}

interface Current {
  path: string;
  fd: number;
  inode: number;
  offset: number;
  /** Size and when it last changed, to tell when NGINX has stopped writing a renamed file. */
  lastSize: number;
  lastGrewAt: number;
}

/** Renamed files of `log`, oldest first (`<log>.<epoch ms>`). */
export function rotatedFiles(log: string): string[] {
  const dir = dirname(log);
  const prefix = `${basename(log)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((n) => join(dir, n));
}

/** Whole lines in `buf[0..length)`: the text up to and including the last newline. */
export function wholeLines(buf: Buffer, length: number): { text: string; bytes: number } {
  // On a view of the bytes read: what the buffer held before must never count.
  const end = buf.subarray(0, length).lastIndexOf(10);
  if (end < 0) return { text: '', bytes: 0 };
  return { text: buf.toString('utf8', 0, end + 1), bytes: end + 1 };
}

export class ProvenanceShipper {
  readonly counters: ShipperCounters = { shipped: 0, badLines: 0, rotations: 0, failures: 0 };
  private current: Current | null = null;
  private readonly buf: Buffer;
  private readonly log: Logger;
  private readonly now: () => number;
  private retryAt = 0;
  /** Failed writes since the last success: the backoff's exponent, and when to log. */
  private failuresLogged = 0;
  private caughtUpAt: number;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly o: ShipperOptions;

  constructor(o: ShipperOptions) {
    this.o = o;
    for (const k of ['batchSize', 'rotateBytes'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`shipper ${k} must be a positive integer, got ${o[k]}`);
    }
    this.buf = Buffer.alloc(o.readBytes ?? 1 << 20);
    this.log = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.caughtUpAt = this.now();
  }

  /** Seconds since the shipper last reached the end of the log (0 while caught up). */
  get lagSeconds(): number {
    return this.current && this.current.offset < this.sizeOf(this.current) ? (this.now() - this.caughtUpAt) / 1000 : 0;
  }

  /** Ships every `intervalMs` until close(). */
  start(intervalMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.ship(), intervalMs);
  }

  /**
   * Ships what the log holds now, as far as MySQL takes it; resolves when done (never rejects).
   * `force`: even under CPU pressure (tests, shutdown).
   */
  ship(force = false): Promise<void> {
    this.running ??= this.step(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async step(force: boolean): Promise<void> {
    if (this.closed || this.now() < this.retryAt) return;
    if (!force && this.deferring()) return;
    try {
      if (!this.current && !this.openNext()) return;
      for (;;) {
        const moved = await this.shipFromCurrent();
        if (moved === 'failed' || moved === 'waiting') return;
        if (moved === 'end' && !this.advance()) return;
      }
    } catch (err) {
      this.log.error('provenance shipper: cannot read the log', { log: this.o.log, error: (err as Error).message });
    }
  }

  private deferring(): boolean {
    const p = this.o.pressure;
    return !!p && p.underPressure() && this.now() - this.caughtUpAt < (this.o.maxDeferMs ?? 60_000);
  }

  /** Opens the file to read next, from the checkpoint when it names one of them. */
  private openNext(): boolean {
    const files = [...rotatedFiles(this.o.log), this.o.log].filter(exists);
    if (files.length === 0) return false;
    const saved = this.loadPosition();
    const inodes = files.map((f) => statSync(f).ino);
    const at = saved ? inodes.indexOf(saved.inode) : -1;
    // Files before the checkpoint's are shipped (a crash between the checkpoint and the delete).
    for (let i = 0; i < at; i++) this.remove(files[i]);
    const index = Math.max(0, at);
    this.openFile(files[index], at >= 0 ? saved!.offset : 0);
    return true;
  }

  private openFile(path: string, offset: number): void {
    const fd = openSync(path, 'r');
    const st = fstatSync(fd);
    // A file shorter than the checkpoint is not the one it was written for: read it whole.
    const from = offset <= st.size ? offset : 0;
    this.current = { path, fd, inode: st.ino, offset: from, lastSize: st.size, lastGrewAt: this.now() };
  }

  private sizeOf(c: Current): number {
    return fstatSync(c.fd).size;
  }

  /** Reads and writes whole lines from the current file: 'end' at its end, else why it stopped. */
  private async shipFromCurrent(): Promise<'end' | 'failed' | 'waiting'> {
    const c = this.current!;
    for (;;) {
      const n = readSync(c.fd, this.buf, 0, this.buf.length, c.offset);
      const { text, bytes } = wholeLines(this.buf, n);
      if (bytes === 0) {
        if (n === this.buf.length) {
          // A line longer than the read buffer: not NGINX's; skip it whole.
          c.offset += this.skipLongLine(c);
          continue;
        }
        this.caughtUpAt = this.now();
        return 'end';
      }
      const rows: ProvenanceRow[] = [];
      for (const line of text.slice(0, -1).split('\n')) {
        const parsed = parseProvenanceLine(line);
        if ('row' in parsed) rows.push(parsed.row);
        else this.badLine(line, parsed.problem);
      }
      for (let i = 0; i < rows.length; i += this.o.batchSize) {
        const batch = rows.slice(i, i + this.o.batchSize);
        try {
          await this.o.sink.write(batch);
        } catch (err) {
          this.failed(err);
          return 'failed';
        }
        this.counters.shipped += batch.length;
      }
      // Only now, with every row up to here in MySQL, does the position move.
      c.offset += bytes;
      this.savePosition({ inode: c.inode, offset: c.offset });
      if (this.failuresLogged > 0) this.log.info('provenance shipper: writes recovered', { afterFailures: this.counters.failures });
      this.failuresLogged = 0;
      this.retryAt = 0;
      if (this.closed) return 'waiting';
    }
  }

  private failed(err: unknown): void {
    this.counters.failures++;
    this.failuresLogged++;
    const retry = this.o.retryMs ?? 500;
    const delay = Math.min(this.o.maxBackoffMs ?? 30_000, retry * 2 ** Math.min(this.failuresLogged - 1, 20));
    this.retryAt = this.now() + delay;
    if (this.failuresLogged === 1 || this.failuresLogged % 50 === 0) {
      this.log.warn('provenance shipper: write failed; the rows stay in the log for a retry', {
        error: err instanceof Error ? err.message : String(err),
        failures: this.failuresLogged,
        retryInMs: delay,
      });
    }
  }

  private badLine(line: string, problem: string): void {
    this.counters.badLines++;
    if (this.counters.badLines <= 10 || this.counters.badLines % 1000 === 0) {
      this.log.warn('provenance shipper: a line that is not a row skipped', { problem, line: line.slice(0, 200), bad: this.counters.badLines });
    }
  }

  /** Bytes up to and including the next newline (or to the end of what is there). */
  private skipLongLine(c: Current): number {
    let skipped = 0;
    for (;;) {
      const n = readSync(c.fd, this.buf, 0, this.buf.length, c.offset + skipped);
      const nl = this.buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        this.badLine(this.buf.toString('utf8', 0, Math.min(nl, 200)), 'a line longer than the read buffer');
        return skipped + nl + 1;
      }
      if (n < this.buf.length) return 0; // not complete yet: wait for the rest
      skipped += n;
    }
  }

  /**
   * At the end of the current file: rotates the live file when it is large, or moves on from a
   * renamed one once NGINX is done with it. False when there is nothing more to do for now.
   */
  private advance(): boolean {
    const c = this.current!;
    const size = this.sizeOf(c);
    if (size !== c.lastSize) {
      c.lastSize = size;
      c.lastGrewAt = this.now();
    }
    const live = fileInode(this.o.log);
    if (live === c.inode) {
      if (size >= this.o.rotateBytes) this.rotate(c);
      return false;
    }
    // A renamed file: NGINX writes into it until it reopens (then `live` is a new file).
    if (live === null || this.now() - c.lastGrewAt < (this.o.settleMs ?? 3000)) return false;
    closeSync(c.fd);
    this.current = null;
    this.remove(c.path);
    const next = [...rotatedFiles(this.o.log), this.o.log].filter(exists)[0];
    if (!next) return false;
    this.openFile(next, 0);
    this.savePosition({ inode: this.current!.inode, offset: 0 });
    return true;
  }

  private rotate(c: Current): void {
    const to = `${this.o.log}.${this.now()}`;
    renameSync(this.o.log, to);
    c.path = to;
    c.lastGrewAt = this.now();
    this.counters.rotations++;
    this.log.info('provenance shipper: log rotated', { to, bytes: c.lastSize });
    this.askReopen();
  }

  private askReopen(): void {
    const pidFile = this.o.nginxPidFile;
    if (!pidFile) return;
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${pidFile}`);
      process.kill(pid, 'SIGUSR1');
    } catch (err) {
      this.log.warn('provenance shipper: cannot ask NGINX to reopen its logs', { pidFile, error: (err as Error).message });
    }
  }

  private remove(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private loadPosition(): Position | null {
    try {
      const p = JSON.parse(readFileSync(this.o.checkpoint, 'utf8')) as Partial<Position>;
      return Number.isInteger(p.inode) && Number.isInteger(p.offset) && p.offset! >= 0 ? { inode: p.inode!, offset: p.offset! } : null;
    } catch {
      return null;
    }
  }

  private savePosition(p: Position): void {
    writeFileAtomic(this.o.checkpoint, JSON.stringify(p));
  }

  /** Stops the timer, ships what it can within `timeoutMs`, closes the sink. */
  async close(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.retryAt = 0;
    const shipping = this.ship(true);
    const done = await Promise.race([shipping.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
    // A write still running (a hung MySQL) is left to its query timeout; its rows stay in the log.
    this.closed = true;
    if (done && this.current) closeSync(this.current.fd);
    this.current = null;
    await Promise.race([this.o.sink.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

function exists(path: string): boolean {
  return fileInode(path) !== null;
}

function fileInode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}
