// `npm run check-data -- [--data-dir DIR | --file FILE] [--previous-count N | auto]`: validates
// <data-dir>/clean_rating.csv, or FILE (CI checks a committed fixture of the same format). Exit 0 with a one-line summary when clean; exit 1 listing the
// offending rows (`file:line: reason`, the first 50 and a count of the rest); exit 2 on bad usage.
// `auto` (the default) takes the last version's row count from clean_rating.csv.dvc at git HEAD.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { MarqueeError } from '../../core/errors.ts';
import { formatProblems, validateCleanRatings } from '../check-data/validate.ts';
import { previousRowCount } from '../check-data/previous-count.ts';
import { RATINGS_FILE } from '../clean/store.ts';
import { parseOptionsFromEnv } from '../parse/options.ts';

const SPEC = { 'data-dir': 'string', file: 'string', 'previous-count': 'string' } as const;
const USAGE = 'usage: check-data [--data-dir DIR | --file FILE] [--previous-count N | auto]';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const limits = parseOptionsFromEnv();
  if (typeof args.file === 'string' && typeof args['data-dir'] === 'string') throw new UsageError('give --data-dir or --file, not both');
  const path =
    typeof args.file === 'string' ? resolve(args.file) : join(resolve(typeof args['data-dir'] === 'string' ? args['data-dir'] : 'data'), RATINGS_FILE);
  const rel = relative(process.cwd(), path);
  const shown = rel && !rel.startsWith('..') ? rel : path;
  const prevArg = typeof args['previous-count'] === 'string' ? args['previous-count'] : 'auto';
  let previous: { count: number; source: string } | null;
  if (prevArg === 'auto') previous = await previousRowCount(path);
  else if (/^\d+$/.test(prevArg)) previous = { count: Number(prevArg), source: '--previous-count' };
  else throw new UsageError(`--previous-count must be a non-negative integer or 'auto', got '${prevArg}'`);

  if (!existsSync(path)) throw new MarqueeError('INPUT', `${shown}: file not found`);
  const result = validateCleanRatings(readFileSync(path, 'utf8'), { ...limits, previousCount: previous?.count ?? null });
  const against = previous ? `, previous version ${previous.count} rows (${previous.source})` : ', no previous version';
  if (!result.ok) {
    process.stderr.write(`${formatProblems(shown, result)}\n`);
    process.stderr.write(`check-data: ${shown}: ${result.problemCount} problem(s) in ${result.rows} valid rows${against}\n`);
    return 1;
  }
  process.stdout.write(`check-data: ${shown} OK: ${result.rows} rows, ${result.users} users, ${result.movies} movies${against}\n`);
  return 0;
}

runCli('check-data', USAGE, main);
