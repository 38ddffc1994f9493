// Git over SSH from a container: the ssh command, the private copy of a too-open key, safe.directory.
// git itself running them is in git-access.int.test.ts.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyModeTooOpen, privateKeyPath, safeDirectoryConfig, shellQuote, sshCommand } from '../version/git-access.ts';
import { gitConfigFor } from '../version/git-publish.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'git-access-'));

describe('sshCommand', () => {
  it('uses only the given key and checks the host key strictly against the given known_hosts', () => {
    expect(sshCommand({ keyFile: '/run/secrets/deploy_key', knownHostsFile: '/run/secrets/known_hosts' })).toBe(
      'ssh -i /run/secrets/deploy_key -o IdentitiesOnly=yes -o UserKnownHostsFile=/run/secrets/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes',
    );
  });

  it('without a key still refuses unknown hosts', () => {
    expect(sshCommand({ knownHostsFile: '/k' })).toBe('ssh -o UserKnownHostsFile=/k -o StrictHostKeyChecking=yes -o BatchMode=yes');
  });

  it('quotes paths for the shell git runs the command through', () => {
    expect(shellQuote("/a b/it's")).toBe(`'/a b/it'\\''s'`);
    expect(sshCommand({ keyFile: '/my keys/id', knownHostsFile: '/k' })).toContain("-i '/my keys/id'");
  });
});

describe('the key file', () => {
  it('counts any group or other bit as too open, as ssh does', () => {
    expect(keyModeTooOpen(0o100600)).toBe(false);
    expect(keyModeTooOpen(0o100400)).toBe(false);
    expect(keyModeTooOpen(0o100640)).toBe(true);
    expect(keyModeTooOpen(0o100444)).toBe(true);
  });

  it('is used as is when private, and copied to a private 0600 file when readable by others', () => {
    const dir = tmp();
    const owned = join(dir, 'private');
    writeFileSync(owned, 'KEY-A\n', { mode: 0o600 });
    expect(privateKeyPath(owned)).toBe(owned);

    const mounted = join(dir, 'mounted');
    writeFileSync(mounted, 'KEY-B\n');
    chmodSync(mounted, 0o444);
    const copy = privateKeyPath(mounted);
    expect(copy).not.toBe(mounted);
    expect(readFileSync(copy, 'utf8')).toBe('KEY-B\n');
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(statSync(join(copy, '..')).mode & 0o077).toBe(0);
    // One copy per process, however often git is opened.
    expect(privateKeyPath(mounted)).toBe(copy);
  });
});

describe('git configuration', () => {
  it('marks the working copy safe only when another uid owns it', () => {
    expect(safeDirectoryConfig(1000, 1000, '/work')).toEqual([]);
    expect(safeDirectoryConfig(0, 1000, '/work')).toEqual(['safe.directory=/work']);
  });

  it('passes author, safe.directory and the ssh command as -c settings', () => {
    expect(gitConfigFor({ author: { name: 'P', email: 'p@x' }, safeDirectory: ['safe.directory=/w'], sshCommand: 'ssh -i k' })).toEqual([
      'user.name=P',
      'user.email=p@x',
      'safe.directory=/w',
      'core.sshCommand=ssh -i k',
    ]);
    expect(gitConfigFor({})).toEqual([]);
  });
});
