// main.ts as a process: start-up, readiness, configuration errors and graceful stop.
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runService, startService, tinyArtifact, waitReady, type Service } from './process.ts';

let modelDir: string;
beforeAll(async () => {
  modelDir = await tinyArtifact();
});

const running: Service[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<Service> {
  const s = await startService(env);
  running.push(s);
  return s;
}

describe('inference main', () => {
  it('loads the model from MODEL_PATH (a symlink too) and serves it', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'inference-link-')), 'current');
    symlinkSync(modelDir, link);
    const s = await start({ MODEL_PATH: link, TRACK: 'canary' });
    await waitReady(s.url);
    const res = await fetch(`${s.url}/recommend/20`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('tiny');
    expect(res.headers.get('x-serving-track')).toBe('canary');
    expect((await res.text()).split(',')).toHaveLength(20);
    expect(s.output()).toMatch(/model loaded; ready .*version=tiny/);
  });

  it('on SIGTERM finishes the in-flight request, refuses new ones and exits 0', async () => {
    const s = await start({ MODEL_PATH: modelDir, INFERENCE_TEST_DELAY_MS: '1500' });
    await waitReady(s.url);
    const slow = fetch(`${s.url}/recommend/10`).then(async (r) => ({ status: r.status, body: await r.text() }));
    // Let the request reach the handler (it then waits 1.5 s) before asking the process to stop.
    await new Promise((r) => setTimeout(r, 400));
    s.child.kill('SIGTERM');
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.split(',')).toHaveLength(20);
    const { code } = await s.exit;
    expect(code).toBe(0);
    expect(s.output()).toMatch(/stopping: draining in-flight requests signal=SIGTERM/);
    expect(s.output()).toMatch(/ stopped/);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('stops on SIGINT with exit code 0 when idle', async () => {
    const s = await start({ MODEL_PATH: modelDir });
    await waitReady(s.url);
    s.child.kill('SIGINT');
    expect((await s.exit).code).toBe(0);
  });

  it.each([
    ['TRACK', 'beta'],
    ['PORT', 'http'],
    ['PROVENANCE', 'sometimes'],
  ])('exits 2 with a readable error for %s=%s', async (name, value) => {
    const { code, output } = await runService({ MODEL_PATH: modelDir, [name]: value });
    expect(code).toBe(2);
    expect(output).toContain(`inference: invalid configuration`);
    expect(output).toContain(name);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 1 naming the problem when the model is missing or damaged', async () => {
    const missing = await runService({ MODEL_PATH: join(modelDir, 'nope') });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/cannot load the model .*nope/);

    const damaged = join(mkdtempSync(join(tmpdir(), 'inference-bad-')), 'm');
    cpSync(modelDir, damaged, { recursive: true });
    writeFileSync(join(damaged, 'model.bin'), 'garbage');
    const bad = await runService({ MODEL_PATH: damaged });
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/cannot load the model .*truncated/);
  });
});
