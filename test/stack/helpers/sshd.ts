// A throwaway SSH server for the stack stories: Debian's /usr/sbin/sshd on 127.0.0.1 and a free
// port, with its own host key, authorized_keys, config and pid file in a temp folder; never the
// system service. Keys are generated fresh and only ever written to files of mode 600.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../services/core/child-process.ts';
import { REPO } from './clean-checkout.ts';

export interface KeyPair {
  /** Path of the private key file (mode 600). */
  privateKeyFile: string;
  publicKey: string;
}

/** A new passphrase-less ed25519 key pair in `dir` (`<name>`, `<name>.pub`). */
export function generateKey(dir: string, name: string, comment = 'marquee-test'): KeyPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
  chmodSync(file, 0o600);
  return { privateKeyFile: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export interface TestSshd {
  port: number;
  /** `ssh-keyscan -p PORT 127.0.0.1`: the known_hosts lines that pin this server's host key. */
  knownHosts: string;
  /** The client key authorized for root. */
  client: KeyPair;
  stop(): void;
}

const SSHD = '/usr/sbin/sshd';

/** Installs openssh-server when missing (scripts/ci/ensure-sshd.sh), then starts sshd in `dir`. */
export async function startSshd(dir: string): Promise<TestSshd> {
  execFileSync('bash', [resolve(REPO, 'scripts/ci/ensure-sshd.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const host = generateKey(dir, 'ssh_host_ed25519_key', 'marquee-test-host');
  const client = generateKey(dir, 'client_ed25519', 'marquee-test-deploy');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `${client.publicKey}\n`, { mode: 0o600 });
  const pidFile = join(dir, 'sshd.pid');
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${host.privateKeyFile}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      // the story runs as root (a container); keys only
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // the temp folder's parents (/tmp) are world-writable
      'StrictModes no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege-separation folder
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync(SSHD, ['-t', '-f', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const log = join(dir, 'sshd.log');
  // an open stream, not appends by path: sshd may still log its exit after the folder is removed
  const child = spawn(SSHD, ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.pipe(createWriteStream(log));
  let knownHosts = '';
  const deadline = Date.now() + 15_000;
  while (!knownHosts) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    try {
      knownHosts = execFileSync('ssh-keyscan', ['-T', '2', '-t', 'ed25519', '-p', String(port), '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      knownHosts = '';
    }
    if (!knownHosts) {
      if (Date.now() > deadline) throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
      await sleep(200);
    }
  }
  return {
    port,
    knownHosts,
    client,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
