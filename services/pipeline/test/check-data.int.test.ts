// check-data through git and as a process: the previous count read from the .dvc file at git HEAD,
// and the CLI's exit codes and messages.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previousRowCount } from '../check-data/previous-count.ts';
import { GOOD } from './check-data-fixture.ts';
import { repoRoot } from './paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'marquee-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('previous row count', () => {
  it('takes the .dvc file from git HEAD, not from the working copy', async () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'data'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args]);
    git('init', '-q');
    const csv = join(repo, 'data', 'clean_rating.csv');
    expect(await previousRowCount(csv)).toBeNull(); // no commit yet
    writeFileSync(`${csv}.dvc`, 'outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 10\n  path: clean_rating.csv\nmeta:\n  rows: 7\n');
    git('add', 'data/clean_rating.csv.dvc');
    git('commit', '-q', '-m', 'v1');
    writeFileSync(`${csv}.dvc`, 'outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 10\n  path: clean_rating.csv\nmeta:\n  rows: 99\n');
    expect(await previousRowCount(csv)).toMatchObject({ count: 7 });
    expect(await previousRowCount(join(tmpdir(), 'not-a-repo-xyz', 'clean_rating.csv'))).toBeNull();
  });
});

describe('check-data CLI', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/pipeline/cli/check-data.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });

  it('exits 0 with a one-line summary when clean, 1 naming the rows when not, 2 on bad usage', () => {
    const good = join(tmp, 'good');
    mkdirSync(good);
    writeFileSync(join(good, 'clean_rating.csv'), GOOD);
    const ok = run('--data-dir', good, '--previous-count', '2');
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(ok.stdout).toMatch(/OK: 3 rows, 2 users, 2 movies, previous version 2 rows/);

    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'clean_rating.csv'), `${GOOD}1,up+2009,3,2023-11-29T15:00:00\n`);
    const fail = run('--data-dir', bad);
    expect(fail.status).toBe(1);
    expect(fail.stderr).toContain('clean_rating.csv:5: duplicate (user 1, movie up+2009), first at line 2');

    expect(run('--data-dir', good, '--previous-count', '10').status).toBe(1);
    expect(run('--data-dir', join(tmp, 'nothing')).status).toBe(1);
    expect(run('--bogus').status).toBe(2);
    expect(run('--data-dir', good, '--file', join(good, 'clean_rating.csv')).status).toBe(2);
    expect(run('--previous-count', 'many').status).toBe(2);
  }, 60_000);

  it('validates any file given with --file', () => {
    const fixture = join(tmp, 'fixture.csv');
    writeFileSync(fixture, GOOD);
    const ok = run('--file', fixture, '--previous-count', '0');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/fixture\.csv OK: 3 rows, 2 users, 2 movies, previous version 0 rows/);
    writeFileSync(fixture, `${GOOD}1,up+2009,3,2023-11-29T15:00:00\n`);
    const fail = run('--file', fixture);
    expect(fail.status).toBe(1);
    expect(fail.stderr).toContain('fixture.csv:5: duplicate (user 1, movie up+2009), first at line 2');
  }, 60_000);
});
