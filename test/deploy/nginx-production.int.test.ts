// The committed nginx/nginx.conf runs on Debian's NGINX (1.22, the test stack's stand-in for the
// nginx container) with only its file paths and listen port changed: no `resolve` or resolver is
// needed, and the public port serves /nginx-health and 404s for the replicas' own routes. (No
// request to the 172.30.82.x replicas here: what answers them depends on the machine's network.
// Timeouts and request ids are tested on the same renderer's output in
// deploy/test/nginx-edge.int.test.ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary, freePort, stopChild } from '../../services/core/child-process.ts';
import { tailFile } from '../../services/core/spawn-logged.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import { readRepo, REPO } from './repo.ts';

/** The production config with its paths moved into `dir` and its port changed; nothing else. */
function runnableCopy(conf: string, dir: string, port: number): string {
  const out = conf
    .replaceAll('/var/log/nginx/', `${dir}/`)
    .replaceAll('/var/log/marquee/', `${dir}/`)
    .replace(/^pid .*;$/m, `pid ${dir}/nginx.pid;`)
    .replace(/^(\s*)listen 8082;$/m, `$1listen 127.0.0.1:${port};`)
    // temp files: the build-time default (/var/lib/nginx) needs root
    .replace(/^http \{$/m, `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `    ${k}_temp_path ${dir}/${k};`).join('\n')}`);
  if (out.split('\n').length !== conf.split('\n').length + 5) throw new Error('unexpected nginx.conf layout');
  return out;
}

let dir: string;
let url: string;
let nginx: ChildProcess;

beforeAll(async () => {
  const install = await new Promise<number>((done) =>
    spawn('bash', [resolve(REPO, 'scripts/services/install-tools.sh')], { stdio: 'inherit' }).once('close', (c) => done(c ?? 1)),
  );
  expect(install).toBe(0);
  dir = mkdtempSync(join(tmpdir(), 'marquee-nginx-prod-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, runnableCopy(readRepo('nginx/nginx.conf'), join(dir, 'logs'), port));
  // As root the workers would run as nobody and could not enter the 0700 temp dir.
  const user = process.getuid?.() === 0 ? ' user root;' : '';
  nginx = spawn(findBinary('nginx'), ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log'), '-g', `daemon off;${user}`], { stdio: 'ignore' });
  await waitForHttp(`${url}/nginx-health`, {
    timeoutMs: 15_000,
    what: 'nginx',
    died: () => (nginx.exitCode === null ? undefined : tailFile(join(dir, 'logs', 'error.log')) || 'no log'),
  });
}, 600_000);
afterAll(async () => {
  if (nginx) await stopChild(nginx, 'SIGTERM', 5000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nginx/nginx.conf on Debian\'s NGINX', () => {
  it('starts and answers its own health check', async () => {
    const res = await fetch(`${url}/nginx-health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('answers /metrics, /readyz and /healthz itself with 404, trying no replica', async () => {
    for (const path of ['/metrics', '/readyz', '/healthz']) {
      const res = await fetch(`${url}${path}`, { headers: { 'X-Request-Id': 'probe-1' } });
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
    await expect.poll(() => readFileSync(join(dir, 'logs', 'access.log'), 'utf8')).toMatch(/"GET \/healthz HTTP\/1\.1" 404 /);
    const lines = readFileSync(join(dir, 'logs', 'access.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/ 404 \d+ rid=probe-1 upstream=- /);
  });

  it('logs a minted request id in place of a crafted one', async () => {
    await (await fetch(`${url}/readyz?crafted`, { headers: { 'X-Request-Id': 'x upstream=10.6.6.6:80' } })).arrayBuffer();
    await expect.poll(() => readFileSync(join(dir, 'logs', 'access.log'), 'utf8')).toMatch(/"GET \/readyz\?crafted HTTP\/1\.1" 404 \d+ rid=\d{10}\.\d{3}-[0-9a-f]{16} upstream=- /);
    expect(readFileSync(join(dir, 'logs', 'access.log'), 'utf8')).not.toContain('10.6.6.6');
  });
});
