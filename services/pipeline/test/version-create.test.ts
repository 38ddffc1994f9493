// The version step on a temporary working copy (no git needed): the layout it writes and its undo.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5 } from '../../core/hash.ts';
import { silentLogger } from '../../core/logger.ts';
import { objectRelPath, parseDvcFile } from '../version/dvc-file.ts';
import { createVersion } from '../version/create-version.ts';
import { formatVersion, parseVersion, readVersion } from '../version/version-file.ts';
import { fakeArtifact, treeOf } from './version-helpers.ts';

const DATA = 'user_id,movie_id,rating,timestamp\n7,heat+1995,4,2000-07-30T18:37:04\n';

function workdir(version?: number) {
  const root = mkdtempSync(join(tmpdir(), 'version-'));
  const remote = mkdtempSync(join(tmpdir(), 'version-remote-'));
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'clean_rating.csv'), DATA);
  if (version !== undefined) writeFileSync(join(root, 'data', 'version.txt'), formatVersion(version));
  const staging = join(root, 'models', '.staging-test');
  return { root, remote, staging, req: { workdir: root, stagingDir: staging, remote: { name: 'storage', url: remote, dir: remote }, logger: silentLogger } };
}

describe('version.txt', () => {
  it('parses a non-negative integer and rejects anything else', () => {
    expect(parseVersion('12\n')).toBe(12);
    expect(parseVersion(' 0 ')).toBe(0);
    expect(() => parseVersion('1.5')).toThrow(/non-negative integer/);
    expect(() => parseVersion('-1')).toThrow(/non-negative integer/);
    expect(() => parseVersion('')).toThrow(/non-negative integer/);
    expect(() => parseVersion('99999999999999999999')).toThrow(/too large/);
  });

  it('reads a missing file as version 0', () => {
    expect(readVersion(join(tmpdir(), 'no-such-dir', 'version.txt'))).toBe(0);
  });
});

describe('createVersion', () => {
  it('moves the artifact to models/<N>, dvc-adds model, manifest and data, pushes them and bumps version.txt', async () => {
    const w = workdir(4);
    fakeArtifact(w.staging, 5, md5(DATA));
    const v = await createVersion({ ...w.req, version: 5 });

    expect(readFileSync(join(w.root, 'data', 'version.txt'), 'utf8')).toBe('5\n');
    expect(existsSync(w.staging)).toBe(false);
    expect(readFileSync(join(w.root, 'models', '5', 'model.bin'), 'utf8')).toBe('model bytes');
    expect(v.paths.sort()).toEqual(
      [
        '.dvc/.gitignore',
        '.dvc/config',
        'data/.gitignore',
        'data/clean_rating.csv.dvc',
        'data/version.txt',
        'models/5/.gitignore',
        'models/5/manifest.json.dvc',
        'models/5/model.bin.dvc',
      ].sort(),
    );
    expect(readFileSync(join(w.root, 'models', '5', '.gitignore'), 'utf8')).toBe('/model.bin\n/manifest.json\n');
    for (const [dvc, file] of [
      ['data/clean_rating.csv.dvc', 'data/clean_rating.csv'],
      ['models/5/model.bin.dvc', 'models/5/model.bin'],
      ['models/5/manifest.json.dvc', 'models/5/manifest.json'],
    ]) {
      const out = parseDvcFile(readFileSync(join(w.root, dvc), 'utf8'));
      const content = readFileSync(join(w.root, file));
      expect(out.md5).toBe(md5(content));
      expect(out.size).toBe(content.length);
      expect(readFileSync(join(w.root, '.dvc', 'cache', objectRelPath(out.md5)))).toEqual(content);
      expect(readFileSync(join(w.remote, objectRelPath(out.md5)))).toEqual(content);
    }
    expect(v.pushedObjects).toBe(3);
    expect(v.data.md5).toBe(md5(DATA));
  });

  it('versions the rating model (rating.bin) beside the served model when the manifest pins it', async () => {
    const w = workdir(0);
    fakeArtifact(w.staging, 1, md5(DATA));
    const manifestPath = join(w.staging, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(w.staging, 'rating.bin'), 'rating bytes');
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, ratingArtifact: { file: 'rating.bin', md5: md5('rating bytes'), size: 12 } }));
    const v = await createVersion({ ...w.req, version: 1 });
    expect(v.paths).toContain('models/1/rating.bin.dvc');
    expect(v.rating).toMatchObject({ md5: md5('rating bytes'), size: 12, path: 'rating.bin' });
    expect(readFileSync(join(w.remote, objectRelPath(md5('rating bytes'))), 'utf8')).toBe('rating bytes');
    expect(readFileSync(join(w.root, 'models', '1', '.gitignore'), 'utf8')).toBe('/model.bin\n/rating.bin\n/manifest.json\n');
    expect(v.pushedObjects).toBe(4);
  });

  it('versions the clean watches (data/clean_watch.csv) beside the ratings when there are any', async () => {
    const w = workdir(0);
    fakeArtifact(w.staging, 1, md5(DATA));
    const watches = 'user_id,movie_id,minutes,last_seen\n7,heat+1995,12,2000-07-30T18:37:04\n';
    writeFileSync(join(w.root, 'data', 'clean_watch.csv'), watches);
    const v = await createVersion({ ...w.req, version: 1 });
    expect(v.paths).toContain('data/clean_watch.csv.dvc');
    expect(v.watches).toEqual({ md5: md5(watches), size: watches.length, path: 'clean_watch.csv' });
    expect(readFileSync(join(w.root, 'data', '.gitignore'), 'utf8')).toBe('/clean_rating.csv\n/clean_watch.csv\n');
    expect(readFileSync(join(w.remote, objectRelPath(md5(watches))), 'utf8')).toBe(watches);
    expect(v.pushedObjects).toBe(4);
  });

  it('refuses a rating model the manifest does not pin, or a pinned one that is missing or altered', async () => {
    const w = workdir(0);
    fakeArtifact(w.staging, 1, md5(DATA));
    writeFileSync(join(w.staging, 'rating.bin'), 'stray');
    await expect(createVersion({ ...w.req, version: 1 })).rejects.toThrow(/pins no rating artifact but rating\.bin is there/);
    const manifestPath = join(w.staging, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, ratingArtifact: { file: 'rating.bin', md5: md5('other'), size: 5 } }));
    await expect(createVersion({ ...w.req, version: 1 })).rejects.toThrow(/rating artifact md5\/size .* do not match rating\.bin/);
    expect(readVersion(join(w.root, 'data', 'version.txt'))).toBe(0);
    expect(existsSync(w.staging)).toBe(true);
  });

  it('writes DVC_REMOTE_URL into .dvc/config while copying the objects into the DVC_REMOTE directory', async () => {
    const w = workdir(0);
    fakeArtifact(w.staging, 1, md5(DATA));
    const url = '/srv/marquee/dvc-remote';
    const v = await createVersion({ ...w.req, version: 1, remote: { name: 'storage', url, dir: w.remote } });
    const config = readFileSync(join(w.root, '.dvc', 'config'), 'utf8');
    expect(config).toContain(`url = ${url}`);
    expect(config).not.toContain(w.remote);
    expect(readFileSync(join(w.remote, objectRelPath(v.model.md5)), 'utf8')).toBe('model bytes');
  });

  it('undo puts back the working copy, the cache and the remote exactly, and the staging folder', async () => {
    const w = workdir(1);
    fakeArtifact(w.staging, 2, md5(DATA));
    const before = treeOf(w.root);
    const remoteBefore = treeOf(w.remote);
    const v = await createVersion({ ...w.req, version: 2 });
    expect(await v.undo.undo(silentLogger)).toEqual([]);
    expect(treeOf(w.root)).toEqual(before);
    expect(treeOf(w.remote)).toEqual(remoteBefore);
  });

  it('refuses a version that does not follow version.txt, and changes nothing', async () => {
    const w = workdir(3);
    fakeArtifact(w.staging, 5, md5(DATA));
    const before = treeOf(w.root);
    await expect(createVersion({ ...w.req, version: 5 })).rejects.toThrow(/next version is 4, not 5/);
    expect(treeOf(w.root)).toEqual(before);
  });

  it('refuses to overwrite an existing models/<N> folder', async () => {
    const w = workdir();
    fakeArtifact(w.staging, 1, md5(DATA));
    mkdirSync(join(w.root, 'models', '1'));
    await expect(createVersion({ ...w.req, version: 1 })).rejects.toThrow(/already exists/);
  });

  it('rolls itself back when the model was trained on other data than the snapshot', async () => {
    const w = workdir();
    fakeArtifact(w.staging, 1, md5('other data'));
    const before = treeOf(w.root);
    await expect(createVersion({ ...w.req, version: 1 })).rejects.toThrow(/trained on data .* but the snapshot is/);
    expect(treeOf(w.root)).toEqual(before);
    expect(treeOf(w.remote)).toEqual({});
  });

  it('rolls itself back when the manifest does not describe model.bin', async () => {
    const w = workdir();
    fakeArtifact(w.staging, 1, md5(DATA));
    writeFileSync(join(w.staging, 'model.bin'), 'tampered');
    const before = treeOf(w.root);
    await expect(createVersion({ ...w.req, version: 1 })).rejects.toThrow(/do not match model\.bin/);
    expect(treeOf(w.root)).toEqual(before);
  });

  it('rolls itself back when the DVC remote cannot be written', async () => {
    const w = workdir();
    fakeArtifact(w.staging, 1, md5(DATA));
    const remoteFile = join(w.root, 'not-a-dir');
    writeFileSync(remoteFile, '');
    const before = treeOf(w.root);
    await expect(createVersion({ ...w.req, version: 1, remote: { name: 'storage', url: remoteFile, dir: remoteFile } })).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(treeOf(w.root)).toEqual(before);
  });
});
