import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { identify, isRunning } from '../process-identity.ts';
import { stopProcess, waitForExit } from '../stop-process.ts';

/** A child that ignores SIGTERM when `stubborn`, detached so it leads its own process group. */
function sleeper(stubborn = false) {
  const code = `${stubborn ? "process.on('SIGTERM', () => {}); " : ''}console.log('ready'); setInterval(() => {}, 1000)`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  /** Resolves once its SIGTERM handler (if any) is in place. */
  const ready = new Promise((r) => child.stdout.once('data', r));
  return { child, exited, ready };
}

describe('stopProcess', () => {
  it('ends a process with the polite signal', async () => {
    const { child, exited } = sleeper();
    await stopProcess(child.pid!, { graceMs: 5000 });
    expect(await exited).toBe('SIGTERM');
  });

  it('kills a process that ignores it once the grace period is over, signalling its group', async () => {
    const { child, exited, ready } = sleeper(true);
    await ready;
    await stopProcess(identify(child.pid!), { graceMs: 200, group: true });
    expect(await exited).toBe('SIGKILL');
  });

  it('leaves alone a process now running under a recorded pid (never signals a reused pid)', async () => {
    const { child, exited } = sleeper();
    const id = identify(child.pid!);
    await stopProcess({ pid: id.pid, startTicks: id.startTicks! - 1 }, { graceMs: 100 });
    expect(isRunning(id)).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });
});

describe('waitForExit', () => {
  it('returns the processes still running when the time is up', async () => {
    const { child, exited } = sleeper();
    const id = identify(child.pid!);
    expect(await waitForExit([id], 50)).toEqual([id]);
    child.kill('SIGKILL');
    await exited;
    expect(await waitForExit([id], 1000)).toEqual([]);
  });
});
