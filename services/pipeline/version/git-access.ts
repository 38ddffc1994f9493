// How git reaches the remote and the working copy from a container:
//  - over SSH with a mounted deploy key and known_hosts, checked strictly (a host key that is not in
//    the file is refused, never trusted on first use);
//  - ssh refuses a key that others may read, and mounted secrets often are (0444): such a key is
//    first copied to a private 0600 file;
//  - a checkout owned by another uid (a bind-mounted workspace) is marked `safe.directory`, which git
//    otherwise refuses since 2.35.2.
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshSettings {
  keyFile?: string;
  knownHostsFile: string;
}

/** Quotes a path for the shell git runs GIT_SSH_COMMAND through. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Pure: the GIT_SSH_COMMAND for a key (already private) and a known_hosts file. */
export function sshCommand(s: { keyFile?: string; knownHostsFile: string }): string {
  const parts = ['ssh'];
  if (s.keyFile) parts.push('-i', shellQuote(s.keyFile), '-o', 'IdentitiesOnly=yes');
  parts.push('-o', `UserKnownHostsFile=${shellQuote(s.knownHostsFile)}`, '-o', 'StrictHostKeyChecking=yes');
  // Non-interactive: fail rather than wait for a passphrase or password nobody will type.
  parts.push('-o', 'BatchMode=yes');
  return parts.join(' ');
}

/** Pure: whether ssh would refuse a key file of this mode (any group/other bit). */
export const keyModeTooOpen = (mode: number): boolean => (mode & 0o077) !== 0;

const privateCopies = new Map<string, string>();

/**
 * A path to the key that ssh accepts: the key itself when only its owner may read it, else a
 * private copy (0600, in a 0700 temp folder, removed at exit). Copied once per process.
 */
export function privateKeyPath(keyFile: string): string {
  const mode = statSync(keyFile).mode;
  if (!keyModeTooOpen(mode)) return keyFile;
  const cached = privateCopies.get(keyFile);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'marquee-ssh-'));
  const copy = join(dir, 'id');
  copyFileSync(keyFile, copy);
  chmodSync(copy, 0o600);
  privateCopies.set(keyFile, copy);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return copy;
}

/** Pure: `-c` settings so git accepts a working copy owned by another uid. */
export function safeDirectoryConfig(ownerUid: number, processUid: number, workdir: string): string[] {
  return ownerUid === processUid ? [] : [`safe.directory=${workdir}`];
}

/** Reads the owner of `workdir`; [] where uids do not apply (Windows) or the folder is missing. */
export function safeDirectoryFor(workdir: string): string[] {
  if (typeof process.getuid !== 'function') return [];
  try {
    return safeDirectoryConfig(statSync(workdir).uid, process.getuid(), workdir);
  } catch {
    return [];
  }
}
