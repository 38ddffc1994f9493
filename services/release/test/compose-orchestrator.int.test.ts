import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import {
  composeGlobalArgs,
  createComposeOrchestrator,
  INFERENCE_SERVICES,
  parseComposeCommand,
  setEnvLines,
  type ComposeOrchestratorOptions,
} from '../compose-orchestrator.ts';
import { createEngineClient } from '../engine-api.ts';
import { fakeCompose, type FakeComposeOptions } from './fake-compose.ts';
import { fakeClock } from './fakes.ts';

const ALL7 = { 'inference-stable-1': '7', 'inference-stable-2': '7', 'inference-canary': '7' };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(stack: Partial<FakeComposeOptions> = {}, options: Partial<ComposeOrchestratorOptions> = {}) {
  const d = await fakeCompose({ running: ALL7, ...stack });
  cleanups.push(() => d.close());
  const clock = fakeClock();
  const logs: string[] = [];
  const o = createComposeOrchestrator({
    run: d.run,
    composeCommand: stack.cli,
    engine: createEngineClient({ socketPath: d.socketPath }),
    clock: clock.clock,
    healthPollMs: 1000,
    logger: createLogger('test', { write: (l) => void logs.push(l) }),
    ...options,
  });
  /** The compose sub-commands and engine requests, in order, without the noise of reads. */
  const actions = () => d.log.filter((l) => !l.startsWith('inspect') && !l.startsWith('ps'));
  return { d, o, clock, logs, actions };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'compose-orch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('compose orchestrator', () => {
  it('reads the running versions from the containers MODEL_PATH, through the engine API (no exec)', async () => {
    const t = await setup({ running: { ...ALL7, 'inference-canary': '8' } });
    expect(await t.o.current()).toEqual({ stable: '7', canary: '8' });
    expect(t.d.lines().sort()).toEqual([
      'docker compose ps -a -q inference-canary',
      'docker compose ps -a -q inference-stable-1',
    ]);
    expect(t.d.log.filter((l) => l.startsWith('inspect'))).toHaveLength(2);
  });

  it('ignores one-off `run` containers when reading a version, and says when a service has no container', async () => {
    const t = await setup({ running: { 'inference-stable-1': '7', 'inference-canary': '7' } });
    t.d.add({ service: 'inference-canary', status: 'exited', exitCode: 0, health: null, env: { MODEL_PATH: '/app/models/x' }, oneoff: true });
    expect((await t.o.current()).canary).toBe('7');
    await expect(t.o.promote('8')).resolves.toBeUndefined(); // stable-2 gets created
    const empty = await setup({ running: { 'inference-canary': '7' } });
    await expect(empty.o.current()).rejects.toThrow(/service inference-stable-1 has no container \(is the stack up\?\)/);
  });

  it('refuses a service without MODEL_PATH', async () => {
    const t = await setup();
    t.d.containers.get('c001')!.env = {};
    await expect(t.o.current()).rejects.toThrow(/service inference-stable-1 has no MODEL_PATH/);
  });

  it('builds the image, then replaces only the canary, keeping the stable version in the environment', async () => {
    const t = await setup();
    await t.o.deployCanary('8');
    expect(t.d.lines().filter((l) => !l.includes(' ps '))).toEqual([
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=8 docker compose build inference-canary',
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate inference-canary',
    ]);
    expect(await t.o.current()).toEqual({ stable: '7', canary: '8' });
  });

  it('builds once per run, before the first recreate, whatever the step; not at all with build: false', async () => {
    const t = await setup();
    await t.o.rollbackCanary('7');
    await t.o.deployCanary('8');
    await t.o.promote('8');
    expect(t.actions()).toEqual([
      'build inference-canary',
      'up -d --no-deps --force-recreate inference-canary',
      'up -d --no-deps --force-recreate inference-canary',
      'up -d --no-deps --force-recreate inference-stable-1',
      'up -d --no-deps --force-recreate inference-stable-2',
    ]);
    const off = await setup({}, { build: false });
    await off.o.deployCanary('8');
    expect(off.actions()).toEqual(['up -d --no-deps --force-recreate inference-canary']);
  });

  it('builds only when the image does not carry the checkout\'s build inputs, and labels what it builds', async () => {
    const same = await setup({ images: { 'marquee-inference:latest': { 'org.marquee.build-inputs': 'abc123' } } }, { buildInputs: 'abc123' });
    await same.o.deployCanary('8');
    expect(same.actions()).toEqual(['image marquee-inference:latest', 'up -d --no-deps --force-recreate inference-canary']);
    expect(same.logs.join('')).toMatch(/inference image up to date; no build/);

    const changed = await setup({ images: { 'marquee-inference:latest': { 'org.marquee.build-inputs': 'old' } } }, { buildInputs: 'abc123' });
    await changed.o.deployCanary('8');
    expect(changed.actions()).toEqual(['image marquee-inference:latest', 'build inference-canary', 'up -d --no-deps --force-recreate inference-canary']);
    expect(changed.d.calls.find((c) => c.args.includes('build'))?.env.BUILD_INPUTS).toBe('abc123');

    const missing = await setup({}, { buildInputs: 'abc123' });
    await missing.o.deployCanary('8');
    expect(missing.actions()).toContain('build inference-canary');
  });

  it('a failed build stops the release before anything is recreated', async () => {
    const t = await setup();
    const run = t.d.run;
    const o = createComposeOrchestrator({
      run: (spec) => (spec.args.includes('build') ? Promise.reject(new Error('build failed: npm ci')) : run(spec)),
      engine: createEngineClient({ socketPath: t.d.socketPath }),
      clock: t.clock.clock,
    });
    await expect(o.deployCanary('8')).rejects.toThrow(/build failed/);
    expect(t.d.log.filter((l) => l.startsWith('up'))).toEqual([]);
  });

  it('promotes the stables one at a time: the second goes down only once the first is healthy', async () => {
    const t = await setup(
      { healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting', 'starting', 'healthy'] }) },
      { build: false },
    );
    t.d.containers.get('c003')!.env.MODEL_PATH = '/app/models/8'; // the canary already runs 8
    await t.o.promote('8');
    const seq = t.d.log.filter((l) => l.startsWith('up') || l.startsWith('inspect'));
    // up stable-1 (new container c004), inspected until healthy, then up stable-2 (c005), …
    expect(seq).toEqual([
      'up -d --no-deps --force-recreate inference-stable-1',
      'inspect c004', // found by `ps`: starting
      'inspect c004', // starting
      'inspect c004', // healthy
      'up -d --no-deps --force-recreate inference-stable-2',
      'inspect c005',
      'inspect c005',
      'inspect c005',
      'inspect c003', // the canary's version: already 8, left alone
    ]);
    expect(t.d.lines().filter((l) => l.includes(' up '))).toEqual([
      'STABLE_MODEL_VERSION=8 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate inference-stable-1',
      'STABLE_MODEL_VERSION=8 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate inference-stable-2',
    ]);
  });

  it('promotion leaves all three replicas on the new version, also when the canary was not on it', async () => {
    const t = await setup();
    await t.o.promote('8'); // e.g. an operator's --promote that cut the canary deployment short
    expect(t.actions().filter((l) => l.startsWith('up'))).toEqual([
      'up -d --no-deps --force-recreate inference-stable-1',
      'up -d --no-deps --force-recreate inference-stable-2',
      'up -d --no-deps --force-recreate inference-canary',
    ]);
    const versions = [...t.d.containers.values()].map((c) => [c.service, c.env.MODEL_PATH]);
    expect(versions.sort()).toEqual([
      ['inference-canary', '/app/models/8'],
      ['inference-stable-1', '/app/models/8'],
      ['inference-stable-2', '/app/models/8'],
    ]);
    expect(await t.o.current()).toEqual({ stable: '8', canary: '8' });
  });

  it('rolls the canary back to the stable version', async () => {
    const t = await setup({ running: { ...ALL7, 'inference-canary': '8' } }, { build: false });
    await t.o.rollbackCanary('7');
    expect(t.d.lines().filter((l) => l.includes(' up '))).toEqual([
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=7 docker compose up -d --no-deps --force-recreate inference-canary',
    ]);
  });

  it('stops at the first failing stable so the second keeps serving', async () => {
    const t = await setup({ failUp: (s) => (s === 'inference-stable-1' ? 'container failed to start' : undefined) });
    await expect(t.o.promote('8')).rejects.toThrow(/failed to start/);
    expect(t.actions()).toEqual(['build inference-canary', 'up -d --no-deps --force-recreate inference-stable-1']);
  });
});

describe('compose orchestrator with Compose v1 (no up --wait): health polling', () => {
  const v1 = { cli: ['docker-compose'] };

  it('uses the configured command and waits for health by polling the engine', async () => {
    const t = await setup({ ...v1, healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting', 'starting', 'starting', 'healthy'] }) });
    await t.o.deployCanary('8');
    expect(t.d.calls.every((c) => c.command === 'docker-compose' && c.args[0] !== 'compose')).toBe(true);
    expect(t.d.lines().find((l) => l.includes(' up '))).toBe(
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=8 docker-compose up -d --no-deps --force-recreate inference-canary',
    );
    // every inspect takes the next state: the lookup after `ps` and two polls saw "starting"
    expect(t.clock.sleeps).toEqual([1000, 1000]);
    expect(t.logs.some((l) => l.includes('service healthy'))).toBe(true);
  });

  it('times out with the service and its last health state, naming RELEASE_HEALTH_TIMEOUT', async () => {
    const t = await setup(
      { ...v1, healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting'] }) },
      { healthTimeoutMs: 10_000 },
    );
    await expect(t.o.deployCanary('8')).rejects.toThrow(
      /service inference-canary not healthy within 10s \(RELEASE_HEALTH_TIMEOUT\): marquee_inference-canary_1: running, health starting/,
    );
    expect(t.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('fails at once on an unhealthy container, with what its last check said', async () => {
    const t = await setup({
      ...v1,
      healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting', 'starting', 'unhealthy'], healthOutput: 'wget: server returned error: HTTP/1.1 503' }),
    });
    await expect(t.o.deployCanary('8')).rejects.toThrow(/inference-canary did not become healthy: .*health unhealthy; last check said: wget: .*503/);
    expect(t.clock.sleeps).toEqual([1000]);
  });

  it('fails at once when the container exited, with its exit code', async () => {
    const t = await setup({ ...v1, healthAfterUp: () => ({ status: 'exited', exitCode: 1, health: ['starting'] }) });
    await expect(t.o.deployCanary('8')).rejects.toThrow(/inference-canary did not become healthy: .*exited \(code 1\)/);
  });

  it('a container without a healthcheck is ready once running (as up --wait treats it)', async () => {
    const t = await setup({ ...v1, healthAfterUp: () => ({ status: 'running', exitCode: 0, health: null }) });
    await t.o.deployCanary('8');
    expect(t.clock.sleeps).toEqual([]);
  });

  it('on Podman, runs the healthcheck itself (no systemd timers run it), at the check interval', async () => {
    const t = await setup({ ...v1, podman: true, healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting'] }) });
    await t.o.deployCanary('8');
    const canary = [...t.d.containers.values()].find((c) => c.service === 'inference-canary')!;
    expect(t.d.log.filter((l) => l.startsWith('healthcheck'))).toEqual([`healthcheck ${canary.id}`]);

    const stuck = await setup(
      { ...v1, podman: true, healthcheckResult: 'starting', healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting'] }) },
      { healthTimeoutMs: 12_000 },
    );
    await expect(stuck.o.deployCanary('8')).rejects.toThrow(/not healthy within 12s/);
    // polled every second, but the check (interval 5s) ran at 0, 5 and 10 s
    expect(stuck.d.log.filter((l) => l.startsWith('healthcheck'))).toHaveLength(3);
  });

  it('does not ask Docker for Podman healthchecks', async () => {
    const t = await setup({ ...v1, healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['starting', 'healthy'] }) });
    await t.o.deployCanary('8');
    expect(t.d.log.filter((l) => l.startsWith('healthcheck'))).toEqual([]);
  });
});

describe('compose command line', () => {
  it('splits the compose command into the command and its leading words', () => {
    expect(parseComposeCommand('docker compose')).toEqual(['docker', 'compose']);
    expect(parseComposeCommand('  docker-compose ')).toEqual(['docker-compose']);
    expect(() => parseComposeCommand('   ')).toThrow(/empty/);
  });

  it('global options: -f, -p and --env-file, each only when given', () => {
    expect(composeGlobalArgs({})).toEqual([]);
    expect(composeGlobalArgs({ composeFile: 'c.yml', projectName: 'm', envFile: '/x/.env' })).toEqual(['-f', 'c.yml', '-p', 'm', '--env-file', '/x/.env']);
  });

  it('passes the same -f, -p and --env-file to every compose call (and --env-file only while the file exists)', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'STABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=7\n');
    const t = await setup({ cli: ['docker-compose'] }, { composeFile: 'deploy/compose.yml', projectName: 'marquee', envFile });
    await t.o.deployCanary('8');
    await t.o.promote('8');
    await t.o.rollbackCanary('7');
    await t.o.current();
    const subs = new Set<string>();
    for (const c of t.d.calls) {
      expect(c.args.slice(0, 6)).toEqual(['-f', 'deploy/compose.yml', '-p', 'marquee', '--env-file', envFile]);
      subs.add(c.args[6]);
    }
    expect([...subs].sort()).toEqual(['build', 'ps', 'up']);

    const missing = await setup({}, { composeFile: 'c.yml', envFile: join(dir, 'absent.env') });
    await missing.o.current();
    for (const c of missing.d.calls) expect(c.args.slice(0, 4)).toEqual(['compose', '-f', 'c.yml', 'ps']);
  });

  it('the inference services are listed once', () => {
    expect(INFERENCE_SERVICES).toEqual({ stables: ['inference-stable-1', 'inference-stable-2'], canary: 'inference-canary', baseline: 'inference-baseline' });
  });
});

describe('setEnvLines', () => {
  it('replaces existing assignments and appends missing ones, leaving the rest alone', () => {
    const text = '# versions\nMYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=7\nexport CANARY_MODEL_VERSION = 7\n';
    expect(setEnvLines(text, { STABLE_MODEL_VERSION: '8', CANARY_MODEL_VERSION: '8', NEW: 'x' })).toBe(
      '# versions\nMYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=8\nCANARY_MODEL_VERSION=8\nNEW=x\n',
    );
  });

  it('does not touch keys that merely start the same way', () => {
    expect(setEnvLines('STABLE_MODEL_VERSION_OLD=1\n', { STABLE_MODEL_VERSION: '2' })).toBe(
      'STABLE_MODEL_VERSION_OLD=1\nSTABLE_MODEL_VERSION=2\n',
    );
    expect(setEnvLines('', { A: '1' })).toBe('A=1\n');
  });
});

describe('compose orchestrator and the .env file', () => {
  it('records each step in .env once healthy, keeping its permissions, and leaves a missing file alone', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=7\n');
    chmodSync(envFile, 0o600);
    const t = await setup({}, { envFile });
    await t.o.deployCanary('8');
    expect(readFileSync(envFile, 'utf8')).toBe('MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=8\n');
    await t.o.promote('8');
    expect(readFileSync(envFile, 'utf8')).toBe('MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=8\nCANARY_MODEL_VERSION=8\n');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);

    const missing = join(dir, 'absent.env');
    const m = await setup({}, { envFile: missing });
    await m.o.rollbackCanary('7');
    expect(() => statSync(missing)).toThrow();
  });

  it('does not record a version whose container never became healthy', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'STABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=7\n');
    const t = await setup({ healthAfterUp: () => ({ status: 'running', exitCode: 0, health: ['unhealthy'] }) }, { envFile });
    await expect(t.o.deployCanary('8')).rejects.toThrow(/unhealthy/);
    expect(readFileSync(envFile, 'utf8')).toBe('STABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=7\n');
  });
});
