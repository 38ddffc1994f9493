// Movies users watched but never rated (data/clean_watch.csv minus data/clean_rating.csv), handed
// to training so recommendations skip them. Rated pairs are left out on purpose: the trainer already
// knows its training ratings, and marking held-out ratings as seen would hide them from evaluation.
import { existsSync, readFileSync } from 'node:fs';
import { parseRatingRow, parseWatchRow, RATING_HEADER, WATCH_HEADER } from '../clean/csv.ts';
import { pairKey } from '../clean/rows.ts';

function dataLines(path: string, header: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  return lines.map((l) => l.replace(/\r$/, '')).filter((l, i) => l !== '' && !(i === 0 && l === header));
}

export function readWatchedUnrated(watchesPath: string, ratingsPath: string): { pairs: Array<{ user: number; item: string }>; bad: number } {
  const rated = new Set<string>();
  for (const line of dataLines(ratingsPath, RATING_HEADER)) {
    const row = parseRatingRow(line);
    if (typeof row !== 'string') rated.add(pairKey(row.user, row.movie));
  }
  const pairs: Array<{ user: number; item: string }> = [];
  let bad = 0;
  for (const line of dataLines(watchesPath, WATCH_HEADER)) {
    const row = parseWatchRow(line);
    if (typeof row === 'string') bad++;
    else if (!rated.has(pairKey(row.user, row.movie))) pairs.push({ user: row.user, item: row.movie });
  }
  return { pairs, bad };
}
