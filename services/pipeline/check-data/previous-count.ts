// The row count of the last versioned clean_rating.csv, from `<file>.dvc` as committed at git HEAD:
// its `meta.rows` when present, else by counting the rows of the DVC object it names, looked up in the
// repository's `.dvc/cache` and then in any DVC remote folders given (same `files/md5/xx/…` layout).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

export interface PreviousCount {
  count: number;
  /** Where the count came from, for the summary line. */
  source: string;
}

/** Data rows (lines after the header) in a CSV text. */
export function countRows(text: string): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  if (text.length > 0 && !text.endsWith('\n')) lines++;
  return Math.max(0, lines - 1);
}

/** The count from a `.dvc` file's text; `cacheRoot` is the repository holding `.dvc/cache`. */
export function countFromDvcText(text: string, cacheRoot: string, remoteDirs: readonly string[] = []): PreviousCount | null {
  const doc = parse(text) as { meta?: { rows?: unknown }; outs?: Array<{ md5?: unknown }> } | null;
  const rows = doc?.meta?.rows;
  if (typeof rows === 'number' && Number.isInteger(rows) && rows >= 0) return { count: rows, source: 'meta.rows of the committed .dvc file' };
  const md5 = doc?.outs?.[0]?.md5;
  if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5)) return null;
  const places = [{ dir: join(cacheRoot, '.dvc', 'cache'), what: 'DVC cache' }, ...remoteDirs.map((dir) => ({ dir, what: `DVC remote ${dir}` }))];
  for (const { dir, what } of places) {
    for (const rel of [`files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`, `${md5.slice(0, 2)}/${md5.slice(2)}`]) {
      const object = join(dir, rel);
      if (existsSync(object)) return { count: countRows(readFileSync(object, 'utf8')), source: `${what} object ${md5}` };
    }
  }
  return null;
}

/** null when the file is not versioned at HEAD (first version) or the count cannot be found. */
export async function previousRowCount(csvPath: string, remoteDirs: readonly string[] = []): Promise<PreviousCount | null> {
  let top: string;
  try {
    top = (await run('git', ['-C', dirname(csvPath), 'rev-parse', '--show-toplevel'])).stdout.trim();
  } catch {
    return null; // not in a git repository
  }
  const rel = relative(top, `${csvPath}.dvc`).split('\\').join('/');
  let text: string;
  try {
    text = (await run('git', ['-C', top, 'show', `HEAD:${rel}`], { maxBuffer: 1 << 20 })).stdout;
  } catch {
    return null; // no commit yet, or the .dvc file is not committed
  }
  return countFromDvcText(text, top, remoteDirs);
}
