// The broker scripts survive what a killed session leaves behind: a broker killed with SIGKILL
// (stale pid file, formatted state dir) must start again, and a broker whose pid file was lost
// must be adopted, not reported as "port in use", and can still be stopped. A second broker on
// its own ports and state dir, so the shared test broker on 9092 is never touched.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidRunning } from '../../services/core/process-identity.ts';
import { REPO } from './repo.ts';

const PORT = 19192;
let stateDir: string;
let env: NodeJS.ProcessEnv;

function script(name: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile('bash', [resolve(REPO, 'scripts/services', name)], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      done({ code, out: `${String(stdout)}${String(stderr)}` });
    });
  });
}

const pidOf = (): number => Number(readFileSync(join(stateDir, 'kafka.pid'), 'utf8').trim());
async function waitDead(pid: number): Promise<void> {
  while (pidRunning(pid)) await sleep(100);
}

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'marquee-kafka-script-'));
  env = { ...process.env, KAFKA_PORT: String(PORT), KAFKA_STATE_DIR: stateDir, KAFKA_STOP_TIMEOUT: '10' };
});
afterAll(async () => {
  await script('kafka-stop.sh');
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('kafka-start.sh after an unclean end', () => {
  it('starts again after the broker was killed with SIGKILL (stale pid file)', async () => {
    const first = await script('kafka-start.sh');
    expect(first.code, first.out).toBe(0);
    const killed = pidOf();
    process.kill(killed, 'SIGKILL');
    await waitDead(killed);

    const again = await script('kafka-start.sh');
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`KAFKA_BROKERS=127.0.0.1:${PORT}`);
    expect(pidOf()).not.toBe(killed);
    expect(pidRunning(pidOf())).toBe(true);
  }, 180_000);

  it('adopts a running broker of its state dir whose pid file was lost', async () => {
    const running = pidOf();
    unlinkSync(join(stateDir, 'kafka.pid'));
    const again = await script('kafka-start.sh');
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`Kafka already running (pid ${running})`);
    expect(pidOf()).toBe(running);
  }, 120_000);

  it('stops a broker of its state dir whose pid file was lost', async () => {
    const running = pidOf();
    unlinkSync(join(stateDir, 'kafka.pid'));
    const stop = await script('kafka-stop.sh');
    expect(stop.code, stop.out).toBe(0);
    expect(stop.out).toContain(`stopping Kafka (pid ${running})`);
    expect(pidRunning(running)).toBe(false);
  }, 60_000);
});
