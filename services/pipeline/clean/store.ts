// The clean-data store under a data dir:
//   clean_rating.csv  user_id,movie_id,rating,timestamp   (one row per (user, movie))
//   clean_watch.csv   user_id,movie_id,minutes,last_seen  (one row per (user, movie))
//   .clean.journal    merged rows since the last compaction (see journal.ts)
//   .clean.lock       the writing process's pid
// All rows live in memory, keyed by user+movie, so a batch merges without re-reading the files.
// merge() returns once the batch is durable (journal fsynced); the CSVs are rewritten atomically
// (core writeFileAtomic: temp file, fsync, rename) when the journal grows large and on close(), so
// they are always complete files, and after close() they hold everything merged.
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import { type Logger, silentLogger } from '../../core/logger.ts';
import { formatRating, formatWatch, parseRatingRow, parseWatchRow, RATING_HEADER, WATCH_HEADER, type RatingRow, type WatchRow } from '../../model/index.ts';
import { Journal } from './journal.ts';
import { type DirLock, lockDataDir } from './lock.ts';
import { applyRows, type CleanState, emptyState, type MergePlan, planMerge } from './merge.ts';
import { type CollapsedBatch, compareRows, pairKey } from './rows.ts';
import { MarqueeError } from '../../core/errors.ts';

export const RATINGS_FILE = 'clean_rating.csv';
export const WATCHES_FILE = 'clean_watch.csv';
const JOURNAL_FILE = '.clean.journal';

export interface CleanStoreOptions {
  logger?: Logger;
  /** Compact once the journal holds this many rows (default: max(50,000, a quarter of the store)). */
  compactAfterRows?: number;
}

/** Rows of one clean CSV; throws `file:line: reason` on a bad header or row (nothing is dropped). */
function readCsv<T>(path: string, header: string, parse: (line: string) => T | string): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return [];
  if (lines[0].replace(/\r$/, '') !== header) throw new MarqueeError('INPUT', `${path}:1: expected header '${header}', found '${lines[0].slice(0, 80)}'`);
  const rows: T[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = parse(lines[i].replace(/\r$/, ''));
    if (typeof row === 'string') throw new MarqueeError('INPUT', `${path}:${i + 1}: ${row}; fix or remove the row, then retry`);
    rows.push(row);
  }
  return rows;
}

export class CleanStore {
  readonly ratingsPath: string;
  readonly watchesPath: string;
  private readonly state: CleanState = emptyState();
  private readonly journal: Journal;
  private readonly lock: DirLock;
  private readonly logger: Logger;
  private closed = false;

  readonly dataDir: string;
  private readonly opts: CleanStoreOptions;

  private constructor(dataDir: string, opts: CleanStoreOptions) {
    this.dataDir = dataDir;
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.ratingsPath = join(dataDir, RATINGS_FILE);
    this.watchesPath = join(dataDir, WATCHES_FILE);
    mkdirSync(dataDir, { recursive: true });
    this.lock = lockDataDir(dataDir);
    try {
      this.removeStaleTempFiles();
      applyRows(this.state, readCsv(this.ratingsPath, RATING_HEADER, (l) => parseRatingRow(l)), readCsv(this.watchesPath, WATCH_HEADER, (l) => parseWatchRow(l)));
      const journalPath = join(dataDir, JOURNAL_FILE);
      const pending = Journal.read(journalPath);
      this.journal = new Journal(journalPath);
      if (pending.ratings.length + pending.watches.length + pending.bad > 0 || pending.torn) {
        this.logger.warn('recovering the clean store from its journal', {
          ratings: pending.ratings.length,
          watches: pending.watches.length,
          unreadable: pending.bad,
          torn: pending.torn,
        });
        applyRows(this.state, pending.ratings, pending.watches);
        this.compact();
      }
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  /** Opens (creating if needed) the store in `dataDir`, recovering from an interrupted run. */
  static open(dataDir: string, opts: CleanStoreOptions = {}): CleanStore {
    return new CleanStore(dataDir, opts);
  }

  get ratingCount(): number {
    return this.state.ratings.size;
  }

  get watchCount(): number {
    return this.state.watches.size;
  }

  rating(user: number, movie: string): RatingRow | undefined {
    return this.state.ratings.get(pairKey(user, movie));
  }

  watch(user: number, movie: string): WatchRow | undefined {
    return this.state.watches.get(pairKey(user, movie));
  }

  /** Merges a batch; durable when this returns. A replayed batch plans no rows and writes nothing. */
  merge(batch: CollapsedBatch): MergePlan {
    this.assertOpen();
    const plan = planMerge(this.state, batch);
    this.journal.append(plan.ratings, plan.watches);
    applyRows(this.state, plan.ratings, plan.watches);
    const limit = this.opts.compactAfterRows ?? Math.max(50_000, (this.state.ratings.size + this.state.watches.size) >> 2);
    if (this.journal.rows >= limit) this.compact();
    return plan;
  }

  /** Rewrites both CSVs atomically from memory (sorted by user, movie), then empties the journal. */
  compact(): void {
    const ratings = [...this.state.ratings.values()].sort(compareRows);
    const watches = [...this.state.watches.values()].sort(compareRows);
    writeFileAtomic(this.ratingsPath, `${RATING_HEADER}\n${ratings.map(formatRating).join('\n')}${ratings.length ? '\n' : ''}`);
    writeFileAtomic(this.watchesPath, `${WATCH_HEADER}\n${watches.map(formatWatch).join('\n')}${watches.length ? '\n' : ''}`);
    this.journal.reset();
  }

  /** Compacts if anything is pending and releases the data dir. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.journal.rows > 0 || !existsSync(this.ratingsPath) || !existsSync(this.watchesPath)) this.compact();
    } finally {
      this.journal.close();
      this.lock.release();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`clean store ${this.dataDir} is closed`);
  }

  /** writeFileAtomic's temp files left by a killed writer (`.clean_rating.csv.<pid>.<ms>.tmp`). */
  private removeStaleTempFiles(): void {
    if (!existsSync(this.dataDir)) return;
    for (const f of readdirSync(this.dataDir)) {
      if ((f.startsWith(`.${RATINGS_FILE}.`) || f.startsWith(`.${WATCHES_FILE}.`)) && f.endsWith('.tmp')) {
        unlinkSync(join(this.dataDir, f));
        this.logger.warn('removed a temp file left by an interrupted write', { file: f });
      }
    }
  }
}
