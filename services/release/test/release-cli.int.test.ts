// The release CLI as a process: the model check runs before any compose command (exit 4), and
// the compose settings reach the compose calls.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTinyArtifact } from '../../inference/test/fixtures.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(REPO, 'services/release/cli/release.ts');
let work: string;

function release(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RELEASE_|SMTP_|SLACK_|ALERT_|MODELS_DIR|DOCKER_HOST)/.test(k)));
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, env: { ...base, ...env } }, (err, _out, stderr) =>
      done({ code: err ? Number(err.code) : 0, stderr: String(stderr) }),
    );
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'release-cli-'));
  mkdirSync(join(work, 'models'));
  await saveTinyArtifact(join(work, 'models', '8'), '8');
  mkdirSync(join(work, 'models', '9'));
  writeFileSync(join(work, 'models', '9', 'model.bin.dvc'), 'outs: []\n');
  // A compose CLI stand-in that records its arguments and fails.
  writeFileSync(join(work, 'compose-spy'), `#!/bin/sh\necho "$@" >> "${join(work, 'compose.log')}"\nexit 1\n`);
  chmodSync(join(work, 'compose-spy'), 0o755);
  writeFileSync(join(work, '.env'), 'STABLE_MODEL_VERSION=7\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = () => ({
  RELEASE_ORCHESTRATOR: 'compose',
  RELEASE_COMPOSE_COMMAND: join(work, 'compose-spy'),
  RELEASE_COMPOSE_FILE: 'deploy/compose.yml',
  RELEASE_COMPOSE_PROJECT: 'marquee',
  RELEASE_COMPOSE_ENV_FILE: join(work, '.env'),
  RELEASE_STATE: join(work, 'state.json'),
  MODELS_DIR: join(work, 'models'),
  DOCKER_HOST: `unix://${join(work, 'no-engine.sock')}`,
  LOG_LEVEL: 'error',
});

describe('release CLI', () => {
  it('refuses a model that is only a DVC pointer with exit 4, before any compose command', async () => {
    const r = await release(['--model', '9'], env());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/release of 9 refused, nothing was changed: model 9: .* has DVC pointers but not the files \(model\.bin\); fetch them first \(dvc pull/);
    expect(existsSync(join(work, 'compose.log'))).toBe(false);
    expect(existsSync(join(work, 'state.json'))).toBe(false);
    expect((await release(['--model', '10'], env())).stderr).toMatch(/model 10 not found/);
  }, 30_000);

  it('passes a good model on to the compose CLI with the configured command, -f, -p and --env-file', async () => {
    const r = await release(['--model', '8'], env());
    expect(r.code).toBe(1); // the stand-in fails the first read
    const calls = readFileSync(join(work, 'compose.log'), 'utf8').trim().split('\n').sort();
    const global = `-f deploy/compose.yml -p marquee --env-file ${join(work, '.env')}`;
    expect(calls).toEqual([`${global} ps -a -q inference-canary`, `${global} ps -a -q inference-stable-1`]);
  }, 30_000);

  it('refuses bad --steps / RELEASE_STEPS with the usage status, naming the flag or variable, before anything runs', async () => {
    const before = existsSync(join(work, 'compose.log')) ? readFileSync(join(work, 'compose.log'), 'utf8') : '';
    const flag = await release(['--model', '8', '--steps', '5,abc'], env());
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--steps \(or RELEASE_STEPS\): .*NaN is not a whole percent/);
    expect(flag.stderr).toContain('usage: npm run release');
    const variable = await release(['--model', '8'], { ...env(), RELEASE_STEPS: '50,20' });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/RELEASE_STEPS: .*steps must increase/);
    expect((await release(['--status', '--steps', '5'], env())).stderr).toMatch(/--steps goes with --model/);
    expect(existsSync(join(work, 'compose.log')) ? readFileSync(join(work, 'compose.log'), 'utf8') : '').toBe(before);
    expect(existsSync(join(work, 'state.json'))).toBe(false);
  }, 30_000);
});
