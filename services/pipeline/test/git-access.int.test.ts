// git itself running the settings of git-access.ts: a working copy another uid owns opens, and
// with a stand-in `ssh` on PATH, git really runs the ssh command with the private copy of the key.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeDirectoryFor } from '../version/git-access.ts';
import { openGit } from '../version/git-publish.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'git-access-'));

describe('git with these settings', () => {
  it('opens a working copy another uid owns (a bind-mounted workspace)', async () => {
    const work = join(tmp(), 'work');
    execFileSync('git', ['init', '-q', work]);
    // Only root can hand a folder to another uid; elsewhere '/' (root's) is the foreign folder.
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chown', ['-R', '4321:4321', work]);
    const foreign = root ? work : '/';
    expect(safeDirectoryFor(foreign)).toEqual([`safe.directory=${foreign}`]);
    expect(safeDirectoryFor(tmp())).toEqual([]);
    if (root) {
      // Plain git refuses it ("dubious ownership"); openGit marks it safe.
      expect(() => execFileSync('git', ['-C', work, 'status'], { stdio: 'pipe', env: { ...process.env, HOME: tmp() } })).toThrow(/dubious ownership/);
      await expect(openGit(work).raw(['status', '--porcelain'])).resolves.toBe('');
    }
  });

  it('makes git run that ssh command, with the private copy of the key, when it talks to an ssh remote', async () => {
    const dir = tmp();
    // A stand-in ssh that records its arguments and fails, as an unreachable host would.
    const bin = join(dir, 'bin');
    execFileSync('mkdir', [bin]);
    const record = join(dir, 'ssh-args');
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 255\n`, { mode: 0o755 });
    const key = join(dir, 'deploy_key');
    writeFileSync(key, 'KEY\n');
    chmodSync(key, 0o444);
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, '');
    const work = join(dir, 'work');
    execFileSync('git', ['init', '-q', work]);

    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const git = openGit(work, { ssh: { keyFile: key, knownHostsFile: knownHosts } });
      await expect(git.raw(['ls-remote', 'ssh://git@git.example.invalid/marquee.git'])).rejects.toThrow();
    } finally {
      process.env.PATH = path;
    }
    const args = readFileSync(record, 'utf8').trim().split('\n');
    const keyUsed = args[args.indexOf('-i') + 1] as string;
    expect(keyUsed).not.toBe(key);
    expect(readFileSync(keyUsed, 'utf8')).toBe('KEY\n');
    expect(args).toEqual(expect.arrayContaining(['IdentitiesOnly=yes', `UserKnownHostsFile=${knownHosts}`, 'StrictHostKeyChecking=yes']));
    expect(args).toContain('git@git.example.invalid');
  });
});
