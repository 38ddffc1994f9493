// Shared set-up for the pipeline run's tests and benchmark: realistic log lines from the shipped
// MovieLens sample, a git working copy with a bare remote, a DVC remote folder (the SMTP server and
// Slack receiver are in services/core/testing/notify-sinks.ts). Nothing here is a test itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MysqlSettings } from '../../core/db/connection.ts';
import { rateLine, recommendationLine, watchLine } from '../simulator/lines.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const SAMPLE_RATINGS = join(REPO_ROOT, 'data/sample/ratings.csv');

export interface SeedRating {
  user: number;
  movie: string;
  rating: number;
  at: string;
}

/**
 * About 4,000 ratings from data/sample/ratings.csv (MovieLens ml-latest-small): the 200 most-rated
 * movies, every 7th user. Dense enough that a 20-factor model trains in well under a second and
 * reaches a held-out RMSE below the default gate (about 0.89).
 */
export function seedRatings(limit = 4000): SeedRating[] {
  const lines = readFileSync(SAMPLE_RATINGS, 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => {
    const [user, movie, rating, at] = l.split(',');
    return { user: Number(user), movie, rating: Number(rating), at };
  });
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.movie, (counts.get(r.movie) ?? 0) + 1);
  const popular = new Set(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 200)
      .map(([m]) => m),
  );
  return rows.filter((r) => popular.has(r.movie) && r.user % 7 === 0).slice(0, limit);
}

/** Course log lines for the ratings: 1–3 watched minutes then the rate line, and a recommendation
 * request every 10th rating (status 200 with a result list, or a timeout). */
export function logLinesFor(ratings: SeedRating[]): string[] {
  const out: string[] = [];
  ratings.forEach((r, i) => {
    for (let m = 0; m <= i % 3; m++) out.push(watchLine(r.at, r.user, r.movie, m));
    out.push(rateLine(r.at, r.user, r.movie, r.rating));
    if (i % 10 === 0) {
      out.push(
        i % 20 === 0
          ? recommendationLine(r.at, r.user, '17645-team05.isri.cmu.edu:8082', 200, `${r.movie}, toy+story+1995`, 40 + (i % 50))
          : recommendationLine(r.at, r.user, '17645-team05.isri.cmu.edu:8082', 0, 'java.util.concurrent.TimeoutException: Request timeout', 800),
      );
    }
  });
  return out;
}

/** Broken lines like the course's own negative fixtures (SOURCES.md): each is rejected by the parser. */
export const MALFORMED_LINES = [
  '2022-1k0-28T04:23:23,429303,GET /data/m/the+russia+house+1990/10.mpg',
  '2022-10-28T 04:23:23,429303,GET /data/m/the+russia+house+1990/10.mpg',
  '2022-10-28T04:23:23,-25611,GET /rate/the+russia+house+1990=4',
  '2022-10-28T04:23:23,24f162,GET /rate/the+russia+house+1990=4',
  '2022-10-28T04:23:23,5521777,GET /rate/the+russia+house+1990=4',
  '2022-10-28T04:23:23,1234,GET /rate/the+russia+house+1990=9',
  'not a log line at all',
];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface Workspace {
  root: string;
  /** The git working copy the pipeline works in (PIPELINE_WORKDIR). */
  workdir: string;
  /** Bare repository, the working copy's `origin`. */
  remote: string;
  dvcRemote: string;
  logFile: string;
  deadLetter: string;
}

/** A working copy with the project's .gitignore and one commit, pushed to a fresh bare remote. */
export function createWorkspace(prefix = 'marquee-run-'): Workspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const remote = join(root, 'remote.git');
  const workdir = join(root, 'work');
  const dvcRemote = join(root, 'dvc-remote');
  mkdirSync(dvcRemote);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  execFileSync('git', ['clone', '-q', remote, workdir], { stdio: 'ignore' });
  git(workdir, 'checkout', '-q', '-b', 'main');
  git(workdir, 'config', 'user.name', 'Test');
  git(workdir, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(join(workdir, '.gitignore'), readFileSync(join(REPO_ROOT, '.gitignore')));
  writeFileSync(join(workdir, 'README.md'), '# pipeline test working copy\n');
  git(workdir, 'add', '.gitignore', 'README.md');
  git(workdir, 'commit', '-q', '-m', 'initial');
  git(workdir, 'push', '-q', 'origin', 'main');
  return { root, workdir, remote, dvcRemote, logFile: join(root, 'pipeline.log'), deadLetter: join(root, 'dead-letter.log') };
}

/** Environment for loadPipelineConfig: this workspace, this database, quick training. */
export function pipelineEnv(ws: Workspace, db: MysqlSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PIPELINE_WORKDIR: ws.workdir,
    PIPELINE_LOG_FILE: ws.logFile,
    PIPELINE_DEAD_LETTER: ws.deadLetter,
    DVC_REMOTE: ws.dvcRemote,
    MYSQL_HOST: db.host,
    MYSQL_PORT: String(db.port),
    MYSQL_USER: db.user,
    MYSQL_PASSWORD: db.password,
    MYSQL_DATABASE: db.database,
    TRAIN_FACTORS: '20',
    TRAIN_EPOCHS: '10',
    PIPELINE_PUSH_BACKOFF_MS: '20',
    ...extra,
  };
}
