// Reads the rating data sets the simulator replays, detected from the first line:
//   clean format   user_id,movie_id,rating,timestamp       (data/clean_rating.csv, data/sample/ratings.csv)
//   MovieLens CSV  userId,movieId,rating,timestamp         (ml-latest-small/ratings.csv)
//   MovieLens 100k user<TAB>item<TAB>rating<TAB>timestamp  (ml-100k/u.data)
//   MovieLens 1M   user::item::rating::timestamp           (ml-1m/ratings.dat)
// MovieLens ids become course slugs (core uniqueSlugs) when the catalogue sits beside the ratings
// (movies.csv, u.item or movies.dat), so the simulated log looks like the course's.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { uniqueSlugs } from '../../core/slug.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface InputRating {
  user: number;
  movie: string;
  rating: number;
}

type Format = 'clean' | 'movielens-csv' | 'tab' | 'colons';

export function detectFormat(firstLine: string): Format {
  const l = firstLine.trim();
  if (l === 'user_id,movie_id,rating,timestamp') return 'clean';
  if (l.startsWith('userId,movieId,rating')) return 'movielens-csv';
  if (l.includes('::')) return 'colons';
  if (l.includes('\t')) return 'tab';
  throw new MarqueeError('INPUT', `unrecognised ratings format (first line '${l.slice(0, 80)}'); expected the clean CSV, MovieLens ratings.csv, u.data or ratings.dat`);
}

/** Ratings from the text of a ratings file (pure); `slugs` maps MovieLens ids to movie ids. */
export function parseRatings(text: string, source: string, slugs?: Map<number, string>): InputRating[] {
  const lines = text.split(/\r?\n/);
  const format = detectFormat(lines[0] ?? '');
  const out: InputRating[] = [];
  for (let i = format === 'clean' || format === 'movielens-csv' ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const f = format === 'tab' ? line.split('\t') : format === 'colons' ? line.split('::') : line.split(',');
    const user = Number(f[0]);
    const rating = Number(f[2]);
    if (f.length < 3 || !Number.isInteger(user) || user < 1 || !Number.isFinite(rating)) {
      throw new MarqueeError('INPUT', `${source}:${i + 1}: not a rating row: '${line.slice(0, 80)}'`);
    }
    const movie = format === 'clean' ? f[1] : (slugs?.get(Number(f[1])) ?? f[1]);
    out.push({ user, movie, rating });
  }
  if (out.length === 0) throw new MarqueeError('INPUT', `${source}: no ratings`);
  return out;
}

/** MovieLens catalogue text → id/title pairs: movies.csv (quoted titles), u.item (|), movies.dat (::). */
export function parseCatalogue(text: string, kind: 'csv' | 'pipe' | 'colons'): Array<{ id: number; title: string }> {
  const out: Array<{ id: number; title: string }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = kind === 'csv' ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let id: number;
    let title: string;
    if (kind === 'csv') {
      // movieId,title,genres — the title may be quoted and hold commas; genres never do.
      const first = line.indexOf(',');
      const last = line.lastIndexOf(',');
      id = Number(line.slice(0, first));
      title = line.slice(first + 1, last);
      if (title.startsWith('"') && title.endsWith('"')) title = title.slice(1, -1).replace(/""/g, '"');
    } else {
      const f = line.split(kind === 'pipe' ? '|' : '::');
      id = Number(f[0]);
      title = f[1] ?? '';
    }
    if (Number.isInteger(id) && title) out.push({ id, title });
  }
  return out;
}

/** Slugs from the catalogue beside `ratingsPath`, if there is one. */
function catalogueBeside(ratingsPath: string): Map<number, string> | undefined {
  const dir = dirname(ratingsPath);
  const candidates: Array<[string, 'csv' | 'pipe' | 'colons', BufferEncoding]> = [
    ['movies.csv', 'csv', 'utf8'],
    ['u.item', 'pipe', 'latin1'],
    ['movies.dat', 'colons', 'latin1'],
  ];
  for (const [name, kind, encoding] of candidates) {
    const path = join(dir, name);
    if (existsSync(path)) return uniqueSlugs(parseCatalogue(readFileSync(path, encoding), kind));
  }
  return undefined;
}

export function loadRatings(path: string): InputRating[] {
  const text = readFileSync(path, 'utf8');
  const format = detectFormat(text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')));
  return parseRatings(text, path, format === 'clean' ? undefined : catalogueBeside(path));
}
