// DVC file operations on a temporary folder (no servers): add, push, pull, and their undo.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5 } from '../../core/hash.ts';
import { silentLogger } from '../../core/logger.ts';
import { objectRelPath, parseDvcFile, readDefaultRemote } from '../version/dvc-file.ts';
import { cacheDir, dvcAdd, dvcPull, dvcPush, ensureDvcConfig } from '../version/dvc-store.ts';
import { UndoLog } from '../version/undo-log.ts';
import { treeOf } from './version-helpers.ts';

function repo() {
  const root = mkdtempSync(join(tmpdir(), 'dvc-store-'));
  mkdirSync(join(root, 'data'));
  const remote = mkdtempSync(join(tmpdir(), 'dvc-remote-'));
  return { root, remote };
}

describe('dvcAdd', () => {
  it('writes a .dvc file whose md5 and size are the file, caches the content read-only, git-ignores the file', async () => {
    const { root } = repo();
    const file = join(root, 'data', 'clean_rating.csv');
    const content = 'user_id,movie_id,rating,timestamp\n1,heat+1995,4,2000-07-30T18:37:04\n';
    writeFileSync(file, content);
    const added = await dvcAdd(root, file, new UndoLog());

    const out = parseDvcFile(readFileSync(`${file}.dvc`, 'utf8'));
    expect(out).toEqual({ md5: md5(content), size: Buffer.byteLength(content), path: 'clean_rating.csv' });
    const cached = join(cacheDir(root), 'files', 'md5', out.md5.slice(0, 2), out.md5.slice(2));
    expect(readFileSync(cached, 'utf8')).toBe(content);
    expect(statSync(cached).mode & 0o222).toBe(0);
    expect(readFileSync(join(root, 'data', '.gitignore'), 'utf8')).toBe('/clean_rating.csv\n');
    expect(added.changed.sort()).toEqual([`${file}.dvc`, join(root, 'data', '.gitignore')].sort());
  });

  it('leaves a complete existing .gitignore alone and reuses a cached object', async () => {
    const { root } = repo();
    const file = join(root, 'data', 'a.csv');
    writeFileSync(file, 'x\n');
    await dvcAdd(root, file, new UndoLog());
    const again = await dvcAdd(root, file, new UndoLog());
    expect(again.changed).toEqual([`${file}.dvc`]);
  });

  it('is undone completely: cache object, .dvc file and .gitignore change', async () => {
    const { root } = repo();
    const file = join(root, 'data', 'a.csv');
    writeFileSync(file, 'x\n');
    writeFileSync(join(root, 'data', '.gitignore'), '*.tmp\n');
    const before = treeOf(root);
    const undo = new UndoLog();
    await dvcAdd(root, file, undo);
    expect(treeOf(root)).not.toEqual(before);
    expect(await undo.undo(silentLogger)).toEqual([]);
    expect(treeOf(root)).toEqual(before);
  });
});

describe('dvcPush / dvcPull', () => {
  it('copies objects to the remote with the cache layout, and pull restores and verifies them', async () => {
    const { root, remote } = repo();
    const file = join(root, 'data', 'a.csv');
    writeFileSync(file, 'hello\n');
    const { out, dvcFile } = await dvcAdd(root, file, new UndoLog());
    expect(dvcPush(root, remote, [out], new UndoLog())).toBe(1);
    expect(dvcPush(root, remote, [out], new UndoLog())).toBe(0);
    expect(readFileSync(join(remote, objectRelPath(out.md5)), 'utf8')).toBe('hello\n');

    writeFileSync(file, 'changed locally\n');
    await dvcPull(dvcFile, remote);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
  });

  it('pull refuses a missing or corrupt remote object and keeps the working file', async () => {
    const { root, remote } = repo();
    const file = join(root, 'data', 'a.csv');
    writeFileSync(file, 'hello\n');
    const { out, dvcFile } = await dvcAdd(root, file, new UndoLog());
    await expect(dvcPull(dvcFile, remote)).rejects.toThrow(/missing from the remote/);
    dvcPush(root, remote, [out], new UndoLog());
    const object = join(remote, objectRelPath(out.md5));
    chmodSync(object, 0o644);
    writeFileSync(object, 'HELLO\n');
    await expect(dvcPull(dvcFile, remote)).rejects.toThrow(/corrupt/);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
  });

  it('push fails clearly when an object is not in the cache, and its copies are undone', async () => {
    const { root, remote } = repo();
    const undo = new UndoLog();
    expect(() => dvcPush(root, remote, [{ md5: md5('nope'), size: 4, path: 'x' }], undo)).toThrow(/not in the cache/);
    const file = join(root, 'data', 'a.csv');
    writeFileSync(file, 'hello\n');
    const { out } = await dvcAdd(root, file, new UndoLog());
    const before = treeOf(remote);
    dvcPush(root, remote, [out], undo);
    await undo.undo(silentLogger);
    expect(treeOf(remote)).toEqual(before);
  });
});

describe('ensureDvcConfig', () => {
  it('names the default remote and writes .dvc/.gitignore like dvc init; a second call changes nothing', () => {
    const { root } = repo();
    const changed = ensureDvcConfig(root, { name: 'storage', url: '/srv/dvc' }, new UndoLog());
    expect(changed).toHaveLength(2);
    expect(readDefaultRemote(readFileSync(join(root, '.dvc', 'config'), 'utf8'))).toEqual({ name: 'storage', url: '/srv/dvc' });
    expect(readFileSync(join(root, '.dvc', '.gitignore'), 'utf8')).toBe('/config.local\n/tmp\n/cache\n');
    expect(ensureDvcConfig(root, { name: 'storage', url: '/srv/dvc' }, new UndoLog())).toEqual([]);
  });
});
