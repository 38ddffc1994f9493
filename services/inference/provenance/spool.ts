// A local append-only spool of provenance rows, so that a row survives `kill -9` of its replica
// and a MySQL outage longer than the memory buffer: every row is appended here before it waits
// for MySQL, and a segment file is deleted once all its rows are in MySQL (recorder.ts).
//
// Layout: <root>/<instance>/ per running process (instance = start time and pid), holding an
// `owner` file (pid + process start time, see process-identity.ts) and segment files
// `<seq>.rows`, one line per row (spool-line.ts; `<seq>.ndjson`, JSON lines, from earlier versions
// are still replayed). A process that starts adopts the
// directories of dead instances (renamed into its own, so two adopters cannot both take one) and
// replays their segments; writes are idempotent (insert.ts), so a replayed row that had already
// reached MySQL is skipped there.
//
// Durability: rows appended during one turn of the event loop are written with one write(2)
// (commit()) before any of their answers is sent (app.ts), so an answer a caller received has its
// row in the page cache, which `kill -9` of the process does not lose. One write per turn, not per
// row: a busy replica answers several requests per turn, and a system call per answer was the
// largest part of what recording cost it (docs/benchmarks.md). Writes are fdatasync'd in
// the background every `groupMs` (group commit): a crash of the whole machine loses at most the
// rows of the last `groupMs` plus one fdatasync. A row whose
// status changes after it was appended (an answer found abandoned, delivery.ts) is appended again
// to the same file; when a file is read back, the last line of a (request id, replica) wins.
import {
  appendFileSync,
  closeSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { silentLogger } from '../../core/logger.ts';
import { currentProcessIdentity, isRunning, readIdentityFile, writeIdentityFile } from '../../core/process-identity.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import { decodeRow, encodeRow } from './spool-line.ts';

export { decodeRow, encodeRow } from './spool-line.ts';

const OWNER = 'owner';
/** Segment files: `.rows` (spool-line.ts), `.ndjson` written by earlier versions (JSON lines). */
const SEGMENT = /^(\d+)\.(rows|ndjson)$/;

/** A segment file and how many of its rows are not yet in MySQL. */
export interface Segment {
  readonly path: string;
  /** Rows appended (own segments) or read (replayed ones). */
  rows: number;
  /** Rows not yet written to MySQL, of those held in memory. */
  unwritten: number;
  /** No more rows will be appended. */
  closed: boolean;
  /** Some rows did not fit in memory: the whole file is replayed once the rest is written. */
  spilled: boolean;
  readonly openedAt: number;
}

export interface SpoolOptions {
  /** Root directory; one subdirectory per process instance. */
  dir: string;
  /** Rows are written and fdatasync'd in groups at most this far apart. */
  groupMs: number;
  /** A segment closes after this many rows … */
  segmentRows: number;
  /** … or once it is this old. */
  segmentMs: number;
  logger?: Logger;
}

/**
 * The rows of a segment file, one per (request id, replica): a later line replaces an earlier one
 * (see Spool.amend). A last line without its newline is a write torn by a crash and is left out,
 * as is any line that does not decode (counted in `bad`).
 */
export function readSegment(path: string): { rows: ProvenanceRow[]; bad: number } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a torn line
  const rows = new Map<string, ProvenanceRow>();
  let bad = 0;
  for (const line of lines) {
    const row = line ? decodeRow(line) : null;
    if (row) rows.set(`${row.requestId} ${row.replica}`, row);
    else bad++;
  }
  return { rows: [...rows.values()], bad };
}

/** Segment files under `dir` (adopted directories included), oldest first. */
export function segmentFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (SEGMENT.test(e.name)) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

export class Spool {
  readonly instanceDir: string;
  private readonly log: Logger;
  private current: Segment | null = null;
  private fd: number | null = null;
  private seq = 0;
  private dirty = false;
  /** Lines appended to the current segment and not yet written (commit()). */
  private pending = '';
  /** A write that failed where nobody could be told (closing a segment): the next commit reports it. */
  private failedWrite: unknown = null;
  private syncing = false;
  private timer: NodeJS.Timeout | null = null;
  /** Directories adopted from dead instances, removed once their segments are replayed. */
  private readonly adoptedDirs: string[] = [];
  /** Segments that spilled and whose other rows are all written: to be read back whole. */
  private readonly toReplay: string[] = [];

  private readonly o: SpoolOptions;

  constructor(o: SpoolOptions) {
    this.o = o;
    for (const k of ['groupMs', 'segmentRows', 'segmentMs'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`spool ${k} must be a positive integer, got ${o[k]}`);
    }
    this.log = o.logger ?? silentLogger;
    this.instanceDir = join(o.dir, `${Date.now()}-${process.pid}`);
  }

  /**
   * Creates this instance's directory and adopts those of dead instances. Returns the segment
   * files to replay, oldest first.
   */
  open(): string[] {
    mkdirSync(this.instanceDir, { recursive: true });
    writeIdentityFile(join(this.instanceDir, OWNER), currentProcessIdentity());
    for (const e of readdirSync(this.o.dir, { withFileTypes: true })) {
      const dir = join(this.o.dir, e.name);
      if (!e.isDirectory() || dir === this.instanceDir) continue;
      const owner = readIdentityFile(join(dir, OWNER));
      // No owner file: a process that died between mkdir and writing it, or a stray directory.
      if (owner && isRunning(owner)) continue;
      const to = join(this.instanceDir, `adopted-${e.name}`);
      try {
        renameSync(dir, to);
      } catch {
        continue; // another starting process adopted it first
      }
      this.adoptedDirs.push(to);
    }
    const files = this.adoptedDirs.flatMap((d) => segmentFiles(d));
    if (files.length) this.log.info('provenance spool: replaying rows of stopped processes', { segments: files.length });
    this.removeEmptyAdopted(); // those that held no rows

    this.timer = setInterval(() => this.tick(), this.o.groupMs);
    this.timer.unref();
    return files;
  }

  /**
   * Appends a row (written by the next commit(), which makes it survive `kill -9`) and returns the
   * segment that holds it, which counts it as not yet in MySQL until `written` says so.
   */
  append(row: ProvenanceRow): Segment {
    if (this.current && this.current.rows >= this.o.segmentRows) this.closeCurrent();
    if (!this.current) {
      this.seq++;
      const path = join(this.instanceDir, `${String(this.seq).padStart(8, '0')}.rows`);
      this.fd = openSync(path, 'a');
      this.current = { path, rows: 0, unwritten: 0, closed: false, spilled: false, openedAt: Date.now() };
    }
    this.pending += encodeRow(row);
    this.current.rows++;
    this.current.unwritten++;
    return this.current;
  }

  /**
   * Writes the lines appended since the last commit in one write(2): in the page cache when this
   * returns. Throws when the write fails (those lines are then not in the file), and when closing
   * a full segment could not write the lines appended to it since the last commit.
   */
  commit(): void {
    if (this.failedWrite) {
      const err = this.failedWrite;
      this.failedWrite = null;
      throw err;
    }
    if (this.pending === '' || this.fd === null) return;
    const text = this.pending;
    this.pending = '';
    writeSync(this.fd, text);
    this.dirty = true;
  }

  /** Appends the changed version of a row already in `segment` (the later line wins on replay). */
  amend(segment: Segment, row: ProvenanceRow): void {
    if (segment === this.current && this.fd !== null) this.pending += encodeRow(row);
    else appendFileSync(segment.path, encodeRow(row));
  }

  /** Writes what is appended and starts an fdatasync of what was written since the last one. */
  flush(): void {
    this.commit();
    if (this.fd === null || !this.dirty || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) this.log.warn('provenance spool: fdatasync failed', { error: err.message });
    });
  }

  /** Group commit; then closes the current segment once it is full or old enough. */
  private tick(): void {
    try {
      this.flush();
      const s = this.current;
      if (s && (s.rows >= this.o.segmentRows || Date.now() - s.openedAt >= this.o.segmentMs)) this.closeCurrent();
    } catch (err) {
      this.log.error('provenance spool: write failed', { error: (err as Error).message });
    }
  }

  /** Closes the current segment (no more rows go to it); at shutdown, so that spills are seen. */
  seal(): void {
    this.closeCurrent();
  }

  /** Takes the paths of spilled segments that are ready to be read back. */
  takeReplays(): string[] {
    return this.toReplay.splice(0);
  }

  private closeCurrent(): void {
    const s = this.current;
    if (!s) return;
    try {
      this.commit();
    } catch (err) {
      // Its rows stay counted, so the file is kept and replayed by the next start; the rows' answers
      // have not gone yet, and the commit before them fails too, so they are not counted as on disk.
      this.failedWrite = err;
    }
    // The descriptor is closed once its data is synced, off the event loop (a sync every 2 s in
    // the request path would show in the latency).
    const fd = this.fd;
    if (fd !== null) {
      fdatasync(fd, (err) => {
        if (err) this.log.warn('provenance spool: fdatasync failed', { error: err.message });
        closeSync(fd);
      });
    }
    this.dirty = false;
    this.fd = null;
    this.current = null;
    s.closed = true;
    this.settle(s);
  }

  /**
   * Called when `n` rows of `s` reached MySQL. Deletes the file once all its rows are in MySQL;
   * a segment that spilled is queued to be read back whole instead (see takeReplays).
   */
  written(s: Segment, n: number): void {
    s.unwritten -= n;
    this.settle(s);
  }

  private settle(s: Segment): void {
    if (!s.closed || s.unwritten > 0) return;
    if (s.spilled) {
      s.spilled = false;
      this.toReplay.push(s.path);
      return;
    }
    try {
      unlinkSync(s.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn('provenance spool: cannot delete a segment', { path: s.path });
    }
    this.removeEmptyAdopted();
  }

  /** A segment read back from disk (adopted or spilled): closed; count its rows as they are queued. */
  replaying(path: string): Segment {
    return { path, rows: 0, unwritten: 0, closed: true, spilled: false, openedAt: Date.now() };
  }

  private removeEmptyAdopted(): void {
    for (let i = this.adoptedDirs.length - 1; i >= 0; i--) {
      const d = this.adoptedDirs[i];
      if (segmentFiles(d).length === 0) {
        rmSync(d, { recursive: true, force: true });
        this.adoptedDirs.splice(i, 1);
      }
    }
  }

  /** True while spilled segments wait to be read back. */
  get replaysPending(): boolean {
    return this.toReplay.length > 0;
  }

  /**
   * Writes what is buffered, fdatasyncs and stops. With `allWritten` (every row is in MySQL) the
   * instance directory goes; otherwise it stays for the next process to replay.
   */
  close(allWritten: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.fd !== null) {
      try {
        this.commit();
        fdatasyncSync(this.fd);
      } finally {
        closeSync(this.fd);
        this.fd = null;
      }
    }
    if (allWritten) rmSync(this.instanceDir, { recursive: true, force: true });
  }
}

