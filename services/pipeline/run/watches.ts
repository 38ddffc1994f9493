// The clean watches (data/clean_watch.csv, one row per (user, movie)) as training input: every
// watched pair as an implicit-feedback interaction (user, movie, minutes watched, last watch time),
// the ranking model's watch input (model/interactions.ts Watch). The store keeps the HIGHEST
// minute index requested (clean/rows.ts); minute indexes start at 0, so minutes watched = index + 1:
// one watch line is one minute, never zero. The trainer holds out a share of them like ratings and marks watched movies seen itself (held-out
// ones only after evaluation), so nothing else is passed: marking every watched pair seen up front
// would hide the held-out watches from the ranking metrics.
import { existsSync, readFileSync } from 'node:fs';
import { parseWatchRow, WATCH_HEADER } from '../../model/index.ts';

function dataLines(path: string, header: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  return lines.map((l) => l.replace(/\r$/, '')).filter((l, i) => l !== '' && !(i === 0 && l === header));
}

/** One watched (user, movie): the shape of model/interactions.ts#Watch. */
export interface WatchInteraction {
  user: number;
  movie: string;
  /** Minutes watched (highest minute index + 1). */
  minutes: number;
  /** Epoch ms of the last watched minute (the logged local time read as UTC). */
  at: number;
}

/** Logged timestamps carry no zone; like the model's readers, they are read as UTC. */
export const loggedTimeMs = (t: string): number => Date.parse(`${t}Z`);

export function readWatchInteractions(watchesPath: string): { rows: WatchInteraction[]; bad: number } {
  const rows: WatchInteraction[] = [];
  let bad = 0;
  for (const line of dataLines(watchesPath, WATCH_HEADER)) {
    const row = parseWatchRow(line);
    if (typeof row === 'string') bad++;
    else rows.push({ user: row.user, movie: row.movie, minutes: row.minutes + 1, at: loggedTimeMs(row.lastSeen) });
  }
  return { rows, bad };
}
