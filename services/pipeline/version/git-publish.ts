// The "publish" step: commit exactly the versioning files and push the commit, retrying the push
// with backoff. The commit and the staging are journalled in the version's UndoLog, so when the push
// finally fails the caller's rollback resets the local branch and the index as they were.
import { simpleGit, type SimpleGit } from 'simple-git';
import type { Logger } from '../../core/logger.ts';
import { safeDirectoryFor, sshCommand, privateKeyPath, type SshSettings } from './git-access.ts';
import { retry } from './retry.ts';
import type { UndoLog } from './undo-log.ts';
import { MarqueeError } from '../../core/errors.ts';

export const commitMessage = (version: number): string => `Data and Model version update: [${version}]`;

export interface PublishRequest {
  workdir: string;
  /** Paths relative to the working copy; only these are committed. */
  paths: string[];
  message: string;
  remote: string;
  /** Remote branch to push to; default the current local branch. */
  branch?: string;
  tries: number;
  backoffMs: number;
  /** Committer identity, for working copies that have none configured. */
  author?: { name: string; email: string };
  /** Kill a git command that is silent this long (a hung remote). */
  gitTimeoutMs?: number;
  /** Push over SSH with this key and known_hosts (git-access.ts). */
  ssh?: SshSettings;
  undo: UndoLog;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export interface Published {
  commit: string;
  branch: string;
  attempts: number;
}

export interface GitOptions {
  author?: { name: string; email: string };
  gitTimeoutMs?: number;
  ssh?: SshSettings;
}

/**
 * Pure: the `-c` settings git runs with. The SSH command goes in core.sshCommand, git's setting for
 * what GIT_SSH_COMMAND does: simple-git's env() would replace the whole environment and refuse any
 * EDITOR or PAGER inherited in it.
 */
export function gitConfigFor(opts: GitOptions & { sshCommand?: string; safeDirectory?: string[] }): string[] {
  return [
    ...(opts.author ? [`user.name=${opts.author.name}`, `user.email=${opts.author.email}`] : []),
    ...(opts.safeDirectory ?? []),
    ...(opts.sshCommand ? [`core.sshCommand=${opts.sshCommand}`] : []),
  ];
}

export function openGit(workdir: string, opts: GitOptions = {}): SimpleGit {
  const ssh = opts.ssh;
  const command = ssh ? sshCommand({ keyFile: ssh.keyFile && privateKeyPath(ssh.keyFile), knownHostsFile: ssh.knownHostsFile }) : undefined;
  return simpleGit({
    baseDir: workdir,
    config: gitConfigFor({ ...opts, sshCommand: command, safeDirectory: safeDirectoryFor(workdir) }),
    timeout: { block: opts.gitTimeoutMs ?? 120_000 },
    // Setting core.sshCommand is what simple-git calls unsafe; this one is built from our config.
    unsafe: command ? { allowUnsafeSshCommand: true } : {},
  });
}

/** HEAD's commit, or null in a repository with no commit yet. */
export async function headCommit(git: SimpleGit): Promise<string | null> {
  try {
    return (await git.raw(['rev-parse', '--verify', '-q', 'HEAD'])).trim() || null;
  } catch {
    return null;
  }
}

export async function currentBranch(git: SimpleGit): Promise<string> {
  const branch = (await git.raw(['symbolic-ref', '--short', '-q', 'HEAD'])).trim();
  if (!branch) throw new MarqueeError('INPUT', 'the working copy is on a detached HEAD; check out a branch');
  return branch;
}

export async function commitAndPush(req: PublishRequest): Promise<Published> {
  const git = openGit(req.workdir, req);
  const branch = req.branch ?? (await currentBranch(git));
  const before = await headCommit(git);
  const paths = req.paths;

  req.undo.action('unstage the version files', async () => {
    if (before) await git.raw(['reset', '-q', before, '--', ...paths]);
    else await git.raw(['rm', '--cached', '-q', '-r', '--ignore-unmatch', '--', ...paths]);
  });
  // -f: model folders sit under a git-ignored models/; only the small .dvc/.gitignore files are named here.
  await git.raw(['add', '-f', '--', ...paths]);
  await git.raw(['commit', '-q', '-m', req.message, '--only', '--', ...paths]);
  const commit = (await headCommit(git)) as string;
  req.undo.action(`reset the local commit ${commit.slice(0, 8)}`, async () => {
    const head = await headCommit(git);
    if (head !== commit) throw new Error(`HEAD moved to ${head}; leaving it alone`);
    if (before) await git.raw(['reset', '-q', '--soft', before]);
    else await git.raw(['update-ref', '-d', 'HEAD']);
  });
  req.logger.info('committed', { commit, message: req.message, files: paths.length });

  const { attempts } = await retry(
    async (attempt) => {
      req.logger.info('pushing', { remote: req.remote, branch, attempt, of: req.tries });
      try {
        await git.raw(['push', '--porcelain', req.remote, `HEAD:refs/heads/${branch}`]);
      } catch (err) {
        throw new Error(oneLine((err as Error).message), { cause: err });
      }
    },
    {
      tries: req.tries,
      backoffMs: req.backoffMs,
      sleep: req.sleep,
      onRetry: (attempt, error, waitMs) =>
        req.logger.warn('push failed; retrying', { attempt, wait_ms: waitMs, error: error.message }),
    },
  );
  req.logger.info('pushed', { remote: req.remote, branch, commit, attempts });
  return { commit, branch, attempts };
}

/** git's multi-line stderr as one log-friendly line. */
export const oneLine = (s: string): string => s.trim().replace(/\s*\n\s*/g, ' | ');
