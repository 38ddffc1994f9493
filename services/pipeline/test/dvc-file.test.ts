import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  formatDvcFile,
  objectRelPath,
  parseDvcFile,
  readDefaultRemote,
  withDefaultRemote,
  withGitignoreEntries,
} from '../version/dvc-file.ts';

const MD5 = 'a304afb96060aad90176268345e10355';

describe('.dvc files', () => {
  it('are written byte for byte as DVC 3 writes a single-file output', () => {
    expect(formatDvcFile({ md5: MD5, size: 14445097, path: 'data.xml' })).toBe(
      'outs:\n- md5: a304afb96060aad90176268345e10355\n  size: 14445097\n  hash: md5\n  path: data.xml\n',
    );
  });

  it('quote file names YAML would misread, and read them back', () => {
    const text = formatDvcFile({ md5: MD5, size: 1, path: 'yes' });
    expect(parse(text).outs[0].path).toBe('yes');
    expect(parseDvcFile(formatDvcFile({ md5: MD5, size: 3, path: '#1 ratings.csv' })).path).toBe('#1 ratings.csv');
  });

  it('round-trip through the parser', () => {
    const out = { md5: MD5, size: 0, path: 'clean_rating.csv' };
    expect(parseDvcFile(formatDvcFile(out))).toEqual(out);
  });

  it('parse files written by DVC 2 (no hash field) and ignore extra top-level keys', () => {
    const text = `outs:\n- md5: ${MD5}\n  size: 12\n  path: model.bin\nmeta:\n  owner: ml\n`;
    expect(parseDvcFile(text)).toEqual({ md5: MD5, size: 12, path: 'model.bin' });
  });

  it('refuse bad input with a message naming the file and the field', () => {
    expect(() => parseDvcFile('outs: [', 'm.dvc')).toThrow(/m\.dvc: not valid YAML/);
    expect(() => parseDvcFile(`outs:\n- md5: XYZ\n  size: 1\n  path: a\n`, 'm.dvc')).toThrow(/m\.dvc: outs\.0\.md5/);
    expect(() => parseDvcFile(`outs:\n- md5: ${MD5}\n  size: -1\n  path: a\n`)).toThrow(/outs\.0\.size/);
    expect(() => parseDvcFile(`outs: []\n`)).toThrow(/outs/);
    expect(() => parseDvcFile(`outs:\n- md5: ${MD5}\n  size: 1\n  hash: sha256\n  path: a\n`)).toThrow(/hash/);
  });

  it('refuse to write an output outside the .dvc file folder or with a bad digest', () => {
    expect(() => formatDvcFile({ md5: MD5, size: 1, path: '../model.bin' })).toThrow(/file name/);
    expect(() => formatDvcFile({ md5: 'abc', size: 1, path: 'a' })).toThrow(/invalid md5/);
    expect(() => formatDvcFile({ md5: MD5, size: 1.5, path: 'a' })).toThrow(/invalid size/);
  });
});

describe('cache layout', () => {
  it('splits the md5 into a 2-character folder and a 30-character file under files/md5', () => {
    expect(objectRelPath(MD5)).toBe('files/md5/a3/04afb96060aad90176268345e10355');
    expect(objectRelPath(MD5).split('/').pop()).toHaveLength(30);
  });

  it('rejects anything that is not an md5', () => {
    expect(() => objectRelPath('../../etc/passwd0000000000000000')).toThrow(/invalid md5/);
    expect(() => objectRelPath(MD5.toUpperCase())).toThrow(/invalid md5/);
  });
});

describe('.gitignore entries', () => {
  it('adds /name lines like dvc add, once', () => {
    const first = withGitignoreEntries(undefined, ['model.bin', 'manifest.json']);
    expect(first).toBe('/model.bin\n/manifest.json\n');
    expect(withGitignoreEntries(first ?? '', ['model.bin'])).toBeNull();
  });

  it('keeps existing lines and terminates an unterminated last line', () => {
    expect(withGitignoreEntries('*.tmp', ['clean_rating.csv'])).toBe('*.tmp\n/clean_rating.csv\n');
    expect(withGitignoreEntries('/a\n', ['a', 'b', 'b'])).toBe('/a\n/b\n');
  });
});

describe('.dvc/config', () => {
  it('is written as `dvc remote add -d` writes it', () => {
    expect(withDefaultRemote(undefined, 'storage', '/srv/dvc')).toBe(
      "[core]\n    remote = storage\n['remote \"storage\"']\n    url = /srv/dvc\n",
    );
  });

  it('keeps other settings, updates the url and reads the default remote back', () => {
    const existing = "[core]\n    autostage = true\n['remote \"storage\"']\n    url = /old\n['remote \"s3\"']\n    url = s3://b\n";
    const next = withDefaultRemote(existing, 'storage', '/new');
    expect(next).toContain('autostage = true');
    expect(next).toContain('url = s3://b');
    expect(readDefaultRemote(next)).toEqual({ name: 'storage', url: '/new' });
    expect(readDefaultRemote('[core]\n    autostage = true\n')).toBeNull();
  });

  it('rejects a remote name DVC would not accept and a malformed config', () => {
    expect(() => withDefaultRemote(undefined, 'my remote', '/x')).toThrow(/invalid DVC remote name/);
    expect(() => withDefaultRemote('remote = x\n', 'storage', '/x')).toThrow(/outside any section/);
  });
});
