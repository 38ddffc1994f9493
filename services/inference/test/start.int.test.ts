// The embedded default end to end: scripts/start.sh with no model trains one on the shipped sample,
// then serves 20 course-format movie ids for user 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, waitReady } from './process.ts';

describe('npm start (scripts/start.sh)', () => {
  it('trains the sample model when none exists and serves recommendations', async () => {
    const models = join(mkdtempSync(join(tmpdir(), 'start-')), 'models');
    const current = join(models, 'current');
    // detached: its own process group, so clean-up reaches the service and anything it started.
    const child = spawn('bash', ['scripts/start.sh'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MODEL_PATH: current, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await expect.poll(() => / listening .*port=(\d+)/.exec(out)?.[1], { timeout: 150_000, interval: 200 }).toBeDefined();
      const url = `http://127.0.0.1:${/ listening .*port=(\d+)/.exec(out)![1]}`;
      await waitReady(url);
      const res = await fetch(`${url}/recommend/1`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('sample');
      const ids = (await res.text()).split(',');
      expect(ids).toHaveLength(20);
      for (const id of ids) expect(id).toMatch(/^[a-z0-9.+_~-]+\+(\d{4})?(~\d+)?$/);
      // What user 1 rated in the sample must not come back to them.
      const rated = new Set(
        readFileSync(join(REPO_ROOT, 'data/sample/ratings.csv'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('1,'))
          .map((l) => l.split(',')[1]),
      );
      expect(rated.size).toBeGreaterThan(100);
      for (const id of ids) expect(rated.has(id)).toBe(false);
      expect(readlinkSync(current)).toBe('sample');
      expect(out).toMatch(/epoch 20\/20/);

      process.kill(-child.pid!, 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 240_000);
});
