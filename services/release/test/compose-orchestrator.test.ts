import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createComposeOrchestrator, setEnvLines, type CommandSpec } from '../compose-orchestrator.ts';

function fakeDocker(models: Record<string, string>) {
  const calls: CommandSpec[] = [];
  const run = async (spec: CommandSpec) => {
    calls.push(spec);
    const exec = spec.args.indexOf('exec');
    if (exec !== -1) return `/app/models/${models[spec.args[exec + 2]]}\n`;
    return '';
  };
  const line = (c: CommandSpec) =>
    [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), c.command, ...c.args].join(' ');
  return { calls, run, lines: () => calls.map(line) };
}

describe('compose orchestrator', () => {
  const models = { 'inference-stable-1': '7', 'inference-stable-2': '7', 'inference-canary': '7' };

  it('reads the running versions from MODEL_PATH', async () => {
    const d = fakeDocker({ ...models, 'inference-canary': '8' });
    const o = createComposeOrchestrator({ run: d.run });
    expect(await o.current()).toEqual({ stable: '7', canary: '8' });
    expect(d.lines()).toEqual([
      'docker compose exec -T inference-stable-1 printenv MODEL_PATH',
      'docker compose exec -T inference-canary printenv MODEL_PATH',
    ]);
  });

  it('replaces only the canary, keeping the stable version in the environment', async () => {
    const d = fakeDocker(models);
    await createComposeOrchestrator({ run: d.run }).deployCanary('8');
    expect(d.lines().slice(-1)).toEqual([
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate --wait inference-canary',
    ]);
  });

  it('promotes the stables one at a time, in order', async () => {
    const d = fakeDocker(models);
    await createComposeOrchestrator({ run: d.run }).promote('8');
    expect(d.lines()).toEqual([
      'STABLE_MODEL_VERSION=8 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate --wait inference-stable-1',
      'STABLE_MODEL_VERSION=8 CANARY_MODEL_VERSION=8 docker compose up -d --no-deps --force-recreate --wait inference-stable-2',
    ]);
  });

  it('rolls the canary back to the stable version', async () => {
    const d = fakeDocker(models);
    await createComposeOrchestrator({ run: d.run }).rollbackCanary('7');
    expect(d.lines()).toEqual([
      'STABLE_MODEL_VERSION=7 CANARY_MODEL_VERSION=7 docker compose up -d --no-deps --force-recreate --wait inference-canary',
    ]);
  });

  it('passes the compose file and project name to every command', async () => {
    const d = fakeDocker(models);
    const o = createComposeOrchestrator({ run: d.run, composeFile: 'deploy/compose.yml', projectName: 'marquee' });
    await o.rollbackCanary('7');
    await o.current();
    for (const c of d.calls) expect(c.args.slice(0, 5)).toEqual(['compose', '-f', 'deploy/compose.yml', '-p', 'marquee']);
  });

  it('stops at the first failing stable so the second keeps serving', async () => {
    const calls: string[] = [];
    const o = createComposeOrchestrator({
      run: async (spec) => {
        const service = spec.args[spec.args.length - 1];
        calls.push(service);
        if (service === 'inference-stable-1') throw new Error('container unhealthy');
        return '';
      },
    });
    await expect(o.promote('8')).rejects.toThrow(/unhealthy/);
    expect(calls).toEqual(['inference-stable-1']);
  });

  it('refuses a service without MODEL_PATH', async () => {
    const o = createComposeOrchestrator({ run: async () => '\n' });
    await expect(o.current()).rejects.toThrow(/has no MODEL_PATH/);
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
  it('records each step in .env, keeping its permissions, and leaves a missing file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
    try {
      const envFile = join(dir, '.env');
      writeFileSync(envFile, 'MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=7\n');
      chmodSync(envFile, 0o600);
      const d = fakeDocker({ 'inference-stable-1': '7', 'inference-stable-2': '7', 'inference-canary': '7' });
      const o = createComposeOrchestrator({ run: d.run, envFile });
      await o.deployCanary('8');
      expect(readFileSync(envFile, 'utf8')).toBe('MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=7\nCANARY_MODEL_VERSION=8\n');
      await o.promote('8');
      expect(readFileSync(envFile, 'utf8')).toBe('MYSQL_PASSWORD=s3cret\nSTABLE_MODEL_VERSION=8\nCANARY_MODEL_VERSION=8\n');
      expect(statSync(envFile).mode & 0o777).toBe(0o600);

      const missing = join(dir, 'absent.env');
      await createComposeOrchestrator({ run: d.run, envFile: missing }).rollbackCanary('7');
      expect(() => statSync(missing)).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
