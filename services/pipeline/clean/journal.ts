// The store's write-ahead journal: each merged batch is appended as final row values
// (`r,<rating row>` / `w,<watch row>`) with one write + fsync, which is cheap however large the
// store is. The CSVs are rewritten (atomically) from memory only at compaction. Recovery replays
// the journal over the CSVs; rows are final values, so replaying twice is harmless, and a torn
// last line (a crash mid-append) is dropped: its batch was never acknowledged and comes again.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { formatRating, formatWatch, parseRatingRow, parseWatchRow, type RatingRow, type WatchRow } from '../../model/index.ts';

export interface JournalContents {
  ratings: RatingRow[];
  watches: WatchRow[];
  /** Lines that could not be read (e.g. zero-filled after a power cut); skipped. */
  bad: number;
  /** True when the file ended in a partial line. */
  torn: boolean;
}

export function formatJournalEntries(ratings: ReadonlyArray<RatingRow>, watches: ReadonlyArray<WatchRow>): string {
  let out = '';
  for (const r of ratings) out += `r,${formatRating(r)}\n`;
  for (const w of watches) out += `w,${formatWatch(w)}\n`;
  return out;
}

export function parseJournal(text: string): JournalContents {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const out: JournalContents = { ratings: [], watches: [], bad: 0, torn: last !== '' };
  for (const line of lines) {
    const body = line.slice(2);
    const row = line.startsWith('r,') ? parseRatingRow(body) : line.startsWith('w,') ? parseWatchRow(body) : 'unknown entry';
    if (typeof row === 'string') out.bad++;
    else if ('rating' in row) out.ratings.push(row);
    else out.watches.push(row);
  }
  return out;
}

export class Journal {
  private fd: number;
  rows = 0;

  readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'a');
  }

  static read(path: string): JournalContents {
    if (!existsSync(path)) return { ratings: [], watches: [], bad: 0, torn: false };
    return parseJournal(readFileSync(path, 'utf8'));
  }

  append(ratings: ReadonlyArray<RatingRow>, watches: ReadonlyArray<WatchRow>): void {
    const text = formatJournalEntries(ratings, watches);
    if (text === '') return;
    writeSync(this.fd, text);
    fsyncSync(this.fd);
    this.rows += ratings.length + watches.length;
  }

  /** Empties the journal; only after its rows are in the atomically rewritten CSVs. */
  reset(): void {
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.rows = 0;
  }

  /** Closes the journal; an empty one is removed (nothing to recover). */
  close(): void {
    closeSync(this.fd);
    if (this.rows === 0) unlinkSync(this.path);
  }
}
