// Validates the text of data/clean_rating.csv (pure): header, one well-formed row per line (user id
// a positive integer in range, non-empty valid movie id, integer rating in the scale, valid
// timestamp), no duplicate (user, movie), and no fewer rows than the last version.
import { parseRatingRow, RATING_HEADER, type RowLimits } from '../../model/index.ts';
import { pairKey } from '../clean/rows.ts';

export interface DataCheckOptions extends RowLimits {
  /** Row count of the last version; fewer rows now is a problem. */
  previousCount?: number | null;
  /** Problems listed in full (default 50); the rest are only counted. */
  maxListed?: number;
}

export interface DataProblem {
  /** 1-based line number; 0 for a problem of the whole file. */
  line: number;
  reason: string;
}

export interface DataCheckResult {
  ok: boolean;
  rows: number;
  users: number;
  movies: number;
  /** The first `maxListed` problems. */
  problems: DataProblem[];
  problemCount: number;
}

export function validateCleanRatings(text: string, opts: DataCheckOptions): DataCheckResult {
  const maxListed = opts.maxListed ?? 50;
  const problems: DataProblem[] = [];
  let problemCount = 0;
  const problem = (line: number, reason: string) => {
    problemCount++;
    if (problems.length < maxListed) problems.push({ line, reason });
  };

  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines[0] !== RATING_HEADER) {
    problem(1, lines.length === 0 ? `empty file: expected header '${RATING_HEADER}'` : `expected header '${RATING_HEADER}', found '${lines[0].slice(0, 80)}'`);
  }
  const firstSeen = new Map<string, number>();
  const users = new Set<number>();
  const movies = new Set<string>();
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    if (lines[i] === '') {
      problem(lineNo, 'empty line');
      continue;
    }
    const row = parseRatingRow(lines[i], opts);
    if (typeof row === 'string') {
      problem(lineNo, row);
      continue;
    }
    rows++;
    const key = pairKey(row.user, row.movie);
    const seen = firstSeen.get(key);
    if (seen !== undefined) problem(lineNo, `duplicate (user ${row.user}, movie ${row.movie}), first at line ${seen}`);
    else firstSeen.set(key, lineNo);
    users.add(row.user);
    movies.add(row.movie);
  }
  const shrank = shrinkProblem(rows, opts.previousCount);
  if (shrank) problem(0, shrank);
  return { ok: problemCount === 0, rows, users: users.size, movies: movies.size, problems, problemCount };
}

/** The no-shrink rule: fewer rows than the last version means data was lost (a file cut short, an
 * old backup restored). Shared with the pipeline run, which refuses to version such data. */
export function shrinkProblem(rows: number, previousCount: number | null | undefined): string | null {
  return previousCount != null && rows < previousCount ? `shrank: ${rows} valid rows, the last version had ${previousCount}` : null;
}

/** `file:line: reason` lines, then how many more were not listed. */
export function formatProblems(file: string, result: DataCheckResult): string {
  const out = result.problems.map((p) => (p.line > 0 ? `${file}:${p.line}: ${p.reason}` : `${file}: ${p.reason}`));
  if (result.problemCount > result.problems.length) out.push(`... and ${result.problemCount - result.problems.length} more problems`);
  return out.join('\n');
}
