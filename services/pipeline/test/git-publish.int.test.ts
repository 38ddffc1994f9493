// commitAndPush against a real bare repository: what is committed, retries, and the rollback.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { commitAndPush, commitMessage } from '../version/git-publish.ts';
import { RetryError } from '../version/retry.ts';
import { UndoLog } from '../version/undo-log.ts';
import { createWorkspace, git } from './run-fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function workspace() {
  const ws = createWorkspace('git-publish-');
  dirs.push(ws.root);
  return ws;
}

function addVersionFiles(workdir: string) {
  mkdirSync(join(workdir, 'models', '1'), { recursive: true });
  writeFileSync(join(workdir, 'models', '1', 'model.bin.dvc'), 'outs: []\n');
  mkdirSync(join(workdir, 'data'), { recursive: true });
  writeFileSync(join(workdir, 'data', 'version.txt'), '1\n');
  return ['models/1/model.bin.dvc', 'data/version.txt'];
}

const request = (workdir: string, paths: string[], undo: UndoLog, sleeps: number[] = []) => ({
  workdir,
  paths,
  message: commitMessage(1),
  remote: 'origin',
  tries: 3,
  backoffMs: 25,
  undo,
  logger: silentLogger,
  sleep: async (ms: number) => void sleeps.push(ms),
});

describe('commitAndPush', () => {
  it('commits exactly the named files (even under a git-ignored folder) and pushes them', async () => {
    const ws = workspace();
    const paths = addVersionFiles(ws.workdir);
    writeFileSync(join(ws.workdir, 'unrelated.txt'), 'staged by someone else\n');
    git(ws.workdir, 'add', 'unrelated.txt');

    const published = await commitAndPush(request(ws.workdir, paths, new UndoLog()));
    expect(published.attempts).toBe(1);
    expect(published.branch).toBe('main');
    expect(git(ws.remote, 'log', '-1', '--format=%H %s', 'main')).toBe(`${published.commit} Data and Model version update: [1]`);
    expect(git(ws.remote, 'show', '--name-only', '--format=', 'main').split('\n').sort()).toEqual(paths.sort());
    expect(git(ws.workdir, 'diff', '--cached', '--name-only')).toBe('unrelated.txt');
  });

  it('retries a failing push with backoff, then the undo resets the commit and the index', async () => {
    const ws = workspace();
    const headBefore = git(ws.workdir, 'rev-parse', 'HEAD');
    const paths = addVersionFiles(ws.workdir);
    writeFileSync(join(ws.workdir, 'unrelated.txt'), 'staged\n');
    git(ws.workdir, 'add', 'unrelated.txt');
    const statusBefore = git(ws.workdir, 'status', '--porcelain', '--ignored');
    renameSync(ws.remote, `${ws.remote}.gone`);

    const undo = new UndoLog();
    const sleeps: number[] = [];
    const err = await commitAndPush(request(ws.workdir, paths, undo, sleeps)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    expect((err as RetryError).attempts).toBe(3);
    expect((err as Error).message).toMatch(/does not appear to be a git repository/);
    expect(sleeps).toEqual([25, 50]);
    expect(git(ws.workdir, 'rev-parse', 'HEAD')).not.toBe(headBefore);

    expect(await undo.undo(silentLogger)).toEqual([]);
    expect(git(ws.workdir, 'rev-parse', 'HEAD')).toBe(headBefore);
    expect(git(ws.workdir, 'status', '--porcelain', '--ignored')).toBe(statusBefore);
    renameSync(`${ws.remote}.gone`, ws.remote);
    expect(git(ws.remote, 'rev-parse', 'main')).toBe(headBefore);
  });

  it('rolls back to "no commit yet" in a repository without history', async () => {
    const root = mkdtempSync(join(tmpdir(), 'git-unborn-'));
    dirs.push(root);
    execFileSync('git', ['init', '-q', '-b', 'main', join(root, 'work')]);
    const workdir = join(root, 'work');
    git(workdir, 'remote', 'add', 'origin', join(root, 'missing.git'));
    const paths = addVersionFiles(workdir);
    const undo = new UndoLog();
    await expect(
      commitAndPush({ ...request(workdir, paths, undo), tries: 1, author: { name: 'Bot', email: 'bot@example.invalid' } }),
    ).rejects.toThrow(/failed after 1 attempt:/);
    expect(await undo.undo(silentLogger)).toEqual([]);
    expect(() => git(workdir, 'rev-parse', '--verify', '-q', 'HEAD')).toThrow();
    expect(git(workdir, 'diff', '--cached', '--name-only')).toBe('');
  });
});
