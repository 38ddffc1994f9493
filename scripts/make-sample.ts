// Builds the sample shipped for the embedded default (`npm start` on a fresh clone):
// MovieLens ml-latest-small converted to the course's clean-ratings format.
//   tsx scripts/make-sample.ts [--source <ml-latest-small dir>] [--out <dir>]
// Writes <out>/ratings.csv, <out>/README.txt (GroupLens licence requires it) and <out>/SOURCE.md.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from '../services/core/args.ts';
import { runCli } from '../services/core/cli.ts';
import { MarqueeError } from '../services/core/errors.ts';
import { writeFileAtomic } from '../services/core/atomic-write.ts';
import { md5 } from '../services/core/hash.ts';
import { uniqueSlugs } from '../services/core/slug.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Fields of one RFC-4180 CSV record (quoted fields may hold commas and doubled quotes). */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new MarqueeError('INPUT', `unterminated quoted field in: ${line}`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') throw new MarqueeError('INPUT', `text after a closing quote in: ${line}`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c === -1) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** Half stars (0.5–5.0) to whole stars 1–5, rounding halves up: ceil(r), so 0.5 -> 1 and 3.5 -> 4. */
export function wholeStars(rating: number): number {
  if (!Number.isFinite(rating) || rating < 0.5 || rating > 5) throw new MarqueeError('INPUT', `rating out of range 0.5-5: ${rating}`);
  return Math.ceil(rating);
}

/** Unix seconds to the clean-ratings timestamp: ISO-8601 UTC without zone, e.g. 2000-07-30T18:45:03. */
export function isoSeconds(unixSeconds: number): string {
  if (!Number.isInteger(unixSeconds)) throw new MarqueeError('INPUT', `timestamp is not whole seconds: ${unixSeconds}`);
  return new Date(unixSeconds * 1000).toISOString().slice(0, 19);
}

/** Non-empty lines of a CSV file without its header; accepts CRLF or LF. */
function records(text: string, header: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== header) throw new MarqueeError('INPUT', `${file}: expected header '${header}', found '${lines[0]}'`);
  return lines.slice(1).filter((l) => l !== '');
}

export interface Conversion {
  csv: string;
  ratings: number;
  users: number;
  movies: number;
  disambiguated: Array<{ id: number; title: string; slug: string }>;
}

/** ml-latest-small movies.csv + ratings.csv text -> clean ratings CSV text. Pure. */
export function convert(moviesCsv: string, ratingsCsv: string): Conversion {
  const movies = records(moviesCsv, 'movieId,title,genres', 'movies.csv').map((line, n) => {
    const f = parseCsvRecord(line);
    const id = Number(f[0]);
    if (f.length !== 3 || !Number.isInteger(id)) throw new MarqueeError('INPUT', `movies.csv line ${n + 2}: malformed: ${line}`);
    return { id, title: f[1] };
  });
  const slugs = uniqueSlugs(movies);
  const disambiguated = movies
    .filter((m) => slugs.get(m.id)!.includes('~'))
    .map((m) => ({ id: m.id, title: m.title, slug: slugs.get(m.id)! }));

  // One row per (user, movie); the latest rating wins, as in the pipeline's clean data.
  const rows = new Map<string, { user: number; movie: string; stars: number; ts: number }>();
  const users = new Set<number>();
  const rated = new Set<string>();
  records(ratingsCsv, 'userId,movieId,rating,timestamp', 'ratings.csv').forEach((line, n) => {
    const f = line.split(',');
    const [user, movieId, rating, ts] = f.map(Number);
    const where = `ratings.csv line ${n + 2}`;
    if (f.length !== 4 || !Number.isInteger(user) || user < 1) throw new MarqueeError('INPUT', `${where}: malformed: ${line}`);
    const movie = slugs.get(movieId);
    if (!movie) throw new MarqueeError('INPUT', `${where}: unknown movieId ${f[1]}`);
    const stars = wholeStars(rating);
    const key = `${user},${movie}`;
    const prev = rows.get(key);
    if (!prev || ts >= prev.ts) rows.set(key, { user, movie, stars, ts });
    users.add(user);
    rated.add(movie);
  });
  let csv = 'user_id,movie_id,rating,timestamp\n';
  for (const r of rows.values()) csv += `${r.user},${r.movie},${r.stars},${isoSeconds(r.ts)}\n`;
  return { csv, ratings: rows.size, users: users.size, movies: rated.size, disambiguated };
}

function sourceMd(c: Conversion, inputs: Record<string, string>): string {
  const list = c.disambiguated.map((d) => `- \`${d.slug}\` — movieId ${d.id}, "${d.title}"`).join('\n');
  return `# data/sample — provenance

\`ratings.csv\` is MovieLens **ml-latest-small** (generated 2018-09-26 by GroupLens; see \`README.txt\`,
its licence applies to this file too) converted to Marquee's clean-ratings format by
\`tsx scripts/make-sample.ts\` from \`../shared/data/movielens/ml-latest-small/\`
(input md5: ${Object.entries(inputs).map(([f, h]) => `${f} \`${h}\``).join(', ')}).

${c.ratings} ratings by ${c.users} users of ${c.movies} movies.

## Conversion rules
- Header \`user_id,movie_id,rating,timestamp\`, one row per (user, movie), LF line endings, source order.
- \`user_id\`: MovieLens userId unchanged.
- \`movie_id\`: the course's slug of the title (\`services/core/slug.ts\`): lower case, spaces to \`+\`,
  year last (\`Toy Story (1995)\` -> \`toy+story+1995\`); MovieLens' trailing articles moved back to the front
  (\`American President, The\` -> \`the+american+president+1995\`); alternate titles in parentheses dropped;
  \`,\` -> \`_\`; \`&\`, apostrophes, colons, other punctuation and non-ASCII letters dropped (the course's own ids
  do this: \`10th++wolf+2006\`, \`schindlers+list+1993\`, \`amlie+2001\`); no year -> trailing \`+\`.
- Slugs are unique: when two movies share one (MovieLens lists a few films twice), the lowest movieId keeps it
  and the others get \`~<movieId>\` appended (\`~\` never occurs otherwise). Disambiguated here:
${list || '- none'}
- \`rating\`: half stars rounded half up to whole stars 1–5, i.e. ceil(r): 0.5 -> 1, 3.5 -> 4, 5.0 -> 5.
- \`timestamp\`: Unix seconds as ISO-8601 UTC without zone, e.g. \`2000-07-30T18:45:03\`.

## Citation
F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context.
ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4: 19:1–19:19. <https://doi.org/10.1145/2827872>
`;
}

const USAGE = 'usage: tsx scripts/make-sample.ts [--source <ml-latest-small dir>] [--out <dir>]';

function main(argv: string[]): number {
  const args = parseArgs(argv, { source: 'string', out: 'string' });
  const source = resolve(repoRoot, (args.source as string | undefined) ?? '../shared/data/movielens/ml-latest-small');
  const out = resolve(repoRoot, (args.out as string | undefined) ?? 'data/sample');
  process.stdout.write(`make-sample: reading ${source}\n`);
  const moviesRaw = readFileSync(join(source, 'movies.csv'));
  const ratingsRaw = readFileSync(join(source, 'ratings.csv'));
  const c = convert(moviesRaw.toString('utf8'), ratingsRaw.toString('utf8'));
  writeFileAtomic(join(out, 'ratings.csv'), c.csv);
  // Written, not copied, so the copy does not inherit a read-only mode from the source.
  writeFileAtomic(join(out, 'README.txt'), readFileSync(join(source, 'README.txt')));
  writeFileAtomic(join(out, 'SOURCE.md'), sourceMd(c, { 'movies.csv': md5(moviesRaw), 'ratings.csv': md5(ratingsRaw) }));
  process.stdout.write(
    `make-sample: wrote ${join(out, 'ratings.csv')}: ${c.ratings} ratings, ${c.users} users, ${c.movies} movies, ` +
      `${c.disambiguated.length} disambiguated slugs\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) runCli('make-sample', USAGE, main);
