// The GitLab story: every job of .gitlab-ci.yml runs for real under gitlab-ci-local (shell executor)
// on a clean checkout of the working tree with no ../shared beside it, and deploy really deploys over
// SSH to a throwaway sshd on 127.0.0.1: the server checkout pulls the pushed commit and the canary
// release starts in the background. Job logs: var/gitlab-story/<job>.log.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanCheckout, REPO } from './helpers/clean-checkout.ts';
import { startSshd, type TestSshd } from './helpers/sshd.ts';

const GCL = resolve(REPO, 'scripts/ci/gitlab-ci-local.sh');
const LOGS = resolve(REPO, 'var/gitlab-story');
// The course data the suite reads as ../shared; given to test-app the way a runner mounts a volume.
const SHARED = resolve(REPO, '../shared');

const tmp = mkdtempSync(join(tmpdir(), 'marquee-gitlab-'));
const project = join(tmp, 'project');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Marquee test', '-c', 'user.email=test@marquee.invalid', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

interface JobRun {
  code: number;
  log: string;
}

/** Runs one job with gitlab-ci-local; prints its name and duration; the log goes to var/gitlab-story. */
function runJob(job: string, variables: Record<string, string> = {}): Promise<JobRun> {
  // Variables (the deploy key among them) go through a private file, never the command line or a log.
  const varsFile = join(tmp, `variables-${job}.yml`);
  // the machine's npm cache stands in for the runner's cache volume
  const npmCache = { npm_config_cache: join(process.env.HOME ?? '/root', '.npm'), npm_config_prefer_offline: 'true' };
  // typed 'variable': gitlab-ci-local would take a bare value starting with / for a file to copy
  const typed = Object.entries({ ...npmCache, ...variables }).map(([k, v]) => [k, { type: 'variable', values: { '*': v } }]);
  writeFileSync(varsFile, stringify(Object.fromEntries(typed)), { mode: 0o600 });
  mkdirSync(LOGS, { recursive: true });
  const logFile = join(LOGS, `${job}.log`);
  const out = createWriteStream(logFile);
  const started = Date.now();
  process.stdout.write(`[gitlab] ${job}: running (log ${logFile})\n`);
  // gitlab-ci-local takes the project from its working folder (--cwd and --variables-file are relative)
  const args = [GCL, '--home', join(tmp, 'gcl-home'), '--variables-file', relative(project, varsFile), job];
  const child = spawn('bash', args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      out.end(() => {
        const seconds = ((Date.now() - started) / 1000).toFixed(0);
        process.stdout.write(`[gitlab] ${job}: exit ${code} in ${seconds} s\n`);
        ok({ code: code ?? -1, log: readFileSync(logFile, 'utf8') });
      });
    });
  });
}

/** The end of a log, for a failure message. */
const tail = (log: string) => log.split('\n').slice(-40).join('\n');

beforeAll(() => {
  cleanCheckout(project);
  expect(existsSync(join(project, '../shared'))).toBe(false);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the GitLab pipeline under gitlab-ci-local', () => {
  it('test-data validates the committed fixture and says so (no DVC remote in the repository)', async () => {
    expect(existsSync(join(project, '.dvc/config'))).toBe(false);
    const r = await runJob('test-data');
    expect(r.code, tail(r.log)).toBe(0);
    expect(r.log).toMatch(/test-data: source fixture: .*checking data\/sample\/ratings\.csv/);
    expect(r.log).toMatch(/check-data: data\/sample\/ratings\.csv OK: \d+ rows/);
    expect(r.log).toMatch(/PASS .*test-data/);
  });

  it('test-model runs the model tests and trains on data/sample behind the RMSE gate', async () => {
    const r = await runJob('test-model');
    expect(r.code, tail(r.log)).toBe(0);
    expect(r.log).toMatch(/Test Files .*\d+ passed/);
    expect(r.log).toMatch(/test-model: RMSE 0\.\d{4} on \d+ held-out ratings passes the gate/);
    expect(r.log).not.toMatch(/\.\.\/shared/);
  });

  it('test-app runs the whole suite', async () => {
    expect(existsSync(join(SHARED, 'data')), `course data at ${SHARED}/data`).toBe(true);
    const r = await runJob('test-app', { MARQUEE_SHARED_DATA: SHARED });
    expect(r.code, tail(r.log)).toBe(0);
    expect(r.log).toMatch(/tests: \d+ passed, 0 failed/);
    expect(r.log).toMatch(/PASS .*test-app/);
  }, 45 * 60_000); // the whole suite on two cores: well over the stories' 20 minutes per test

  describe('deploy', () => {
    let sshd: TestSshd;
    const bare = join(tmp, 'server.git');
    const server = join(tmp, 'server', 'marquee');
    const releasePidFile = join(server, 'release.pid');

    beforeAll(async () => {
      sshd = await startSshd(join(tmp, 'sshd'));
      // the server's checkout tracks a bare repository, one commit behind what is then pushed
      git(tmp, 'clone', '-q', '--bare', project, bare);
      git(tmp, 'clone', '-q', bare, server);
    });

    afterAll(() => {
      // the release would observe for hours (or wait for a stack): stop its whole process group
      if (existsSync(releasePidFile)) {
        const pid = Number(readFileSync(releasePidFile, 'utf8').trim());
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      sshd?.stop();
    });

    it('pulls the pushed commit on the server over SSH and starts the release in the background', async () => {
      const dev = join(tmp, 'dev');
      git(tmp, 'clone', '-q', bare, dev);
      writeFileSync(join(dev, 'data', 'version.txt'), '7\n');
      git(dev, 'add', 'data/version.txt');
      git(dev, 'commit', '-q', '-m', 'model 7');
      git(dev, 'push', '-q', 'origin', 'HEAD:main');
      const pushed = git(dev, 'rev-parse', 'HEAD');
      expect(git(server, 'rev-parse', 'HEAD')).not.toBe(pushed);

      const r = await runJob('deploy', {
        SSH_PRIVATE_KEY: readFileSync(sshd.client.privateKeyFile, 'utf8'),
        SSH_KNOWN_HOSTS: sshd.knownHosts,
        DEPLOY_HOST: '127.0.0.1',
        DEPLOY_USER: 'root',
        DEPLOY_PORT: String(sshd.port),
        DEPLOY_PATH: server,
      });
      expect(r.code, tail(r.log)).toBe(0);
      expect(r.log).not.toContain('PRIVATE KEY');
      expect(r.log).toMatch(/deploy: releasing model 7 as canary/);
      expect(r.log).toMatch(/deploy: release started \(pid \d+\)/);
      expect(git(server, 'rev-parse', 'HEAD')).toBe(pushed);

      // started, not awaited: its log shows npm's first line of `npm run release -- --model 7`
      expect(existsSync(releasePidFile)).toBe(true);
      const releaseLog = join(server, 'release.log');
      const deadline = Date.now() + 60_000;
      while (!(existsSync(releaseLog) && /> marquee@[\d.]+ release\b/.test(readFileSync(releaseLog, 'utf8'))) && Date.now() < deadline) {
        await new Promise((w) => setTimeout(w, 500));
      }
      expect(readFileSync(releaseLog, 'utf8')).toMatch(/> marquee@[\d.]+ release\n> tsx services\/release\/cli\/release\.ts --model 7/);
    });
  });
});
