// The "prepare" step: checks the working copy, the DVC remote and MySQL before any work is done,
// takes the run lock, checks that the migration step has run (`npm run migrate`: the pipeline's user
// cannot change the schema) and decides the candidate version number.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPool } from '../../core/db/connection.ts';
import { checkSchema, MIGRATE_HINT } from '../../core/db/schema-check.ts';
import type { Logger } from '../../core/logger.ts';
import { findTracking } from '../lineage/tracking.ts';
import { currentBranch, openGit } from '../version/git-publish.ts';
import { STAGING_PREFIX, workdirLayout } from '../version/layout.ts';
import { readVersion } from '../version/version-file.ts';
import type { PipelineConfig } from './config.ts';
import { acquireRunLock, type RunLock } from './run-lock.ts';
import type { Prepared } from './types.ts';
import { MarqueeError } from '../../core/errors.ts';

export const RUN_LOCK_FILE = 'marquee-pipeline.lock';

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function prepare(cfg: PipelineConfig, logger: Logger): Promise<Prepared> {
  const layout = workdirLayout(cfg.workdir);
  const git = openGit(cfg.workdir);
  const top = await git.raw(['rev-parse', '--show-toplevel']).catch(() => '');
  if (!top.trim() || resolve(top.trim()) !== resolve(cfg.workdir)) {
    throw new MarqueeError('CONFIG', `PIPELINE_WORKDIR ${cfg.workdir} is not the top of a git working copy`);
  }
  await currentBranch(git);
  await git.raw(['remote', 'get-url', cfg.git.remote]).catch(() => {
    throw new MarqueeError('CONFIG', `the working copy has no git remote '${cfg.git.remote}' (PIPELINE_GIT_REMOTE)`);
  });
  checkSshFiles(cfg.git.ssh);
  if (!existsSync(cfg.dvcRemote.dir) || !statSync(cfg.dvcRemote.dir).isDirectory()) {
    throw new MarqueeError('CONFIG', `DVC_REMOTE ${cfg.dvcRemote.dir} is not a directory`);
  }

  const gitDir = resolve(cfg.workdir, (await git.raw(['rev-parse', '--git-dir'])).trim());
  const lock = acquireRunLock(join(gitDir, RUN_LOCK_FILE));
  let pool;
  try {
    removeStaleStaging(layout.modelsDir, logger);
    pool = createPool(cfg.mysql, 2);
    const schema = await checkSchema(pool);
    if (!schema.ok) throw new MarqueeError('DATABASE', `MySQL database ${cfg.mysql.database}: ${schema.reason}; ${MIGRATE_HINT}`);

    const previousVersion = readVersion(layout.versionFile);
    const version = previousVersion + 1;
    if (existsSync(layout.modelDir(version))) {
      throw new MarqueeError('INPUT', `models/${version} exists but data/version.txt says ${previousVersion}; remove it or fix version.txt`);
    }
    if (await findTracking(pool, String(version))) {
      throw new MarqueeError('INPUT', `the tracking table already has version ${version} but data/version.txt says ${previousVersion}`);
    }
    const runId = newRunId();
    logger.info('run prepared', { run: runId, previous_version: previousVersion, candidate_version: version });
    return { runId, layout, previousVersion, version, stagingDir: layout.stagingDir(runId), pool, lock };
  } catch (err) {
    await pool?.end().catch(() => {});
    lock.release();
    throw err;
  }
}

/** The SSH key and known_hosts must be readable files before any work depends on a push. */
function checkSshFiles(ssh: PipelineConfig['git']['ssh']): void {
  if (!ssh) return;
  const files: [string, string | undefined][] = [
    ['PIPELINE_SSH_KEY_FILE', ssh.keyFile],
    ['PIPELINE_SSH_KNOWN_HOSTS_FILE', ssh.knownHostsFile],
  ];
  for (const [name, path] of files) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
      if (!statSync(path).isFile()) throw new Error('not a file');
    } catch (err) {
      throw new MarqueeError('CONFIG', `${name} ${path} is not a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
        cause: err,
      });
    }
  }
}

/** Staging folders left by a run that was killed; only called while holding the run lock. */
function removeStaleStaging(modelsDir: string, logger: Logger): void {
  if (!existsSync(modelsDir)) return;
  for (const name of readdirSync(modelsDir)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    rmSync(join(modelsDir, name), { recursive: true, force: true });
    logger.warn('removed a stale staging folder', { folder: name });
  }
}

export function releasePrepared(p: { pool: { end(): Promise<void> }; lock: RunLock }): Promise<void> {
  p.lock.release();
  return p.pool.end();
}
