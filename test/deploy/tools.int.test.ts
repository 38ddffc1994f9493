// The production configs pass the real tools: `nginx -t` (on a copy with its log and pid paths in a
// temp dir; upstreams are static addresses, so nothing to resolve), `promtool check config`, and
// `docker-compose config` (parses and interpolates without a Docker engine, given an .env).
// Each check is shown to fail on a broken copy too.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from '../../services/core/child-process.ts';
import { readRepo, REPO, type ComposeFile } from './repo.ts';

function run(cmd: string, args: string[], cwd?: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env: { ...env, COMPOSE_PROJECT_NAME: 'marquee-check' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      done({ code, out: `${String(stdout)}${String(stderr)}` });
    });
  });
}

let tmp: string;
beforeAll(async () => {
  // Installs the tools when missing (idempotent, silent when they are there).
  const install = await run('bash', [resolve(REPO, 'scripts/services/install-tools.sh')]);
  expect(install.out).toBe('');
  expect(install.code).toBe(0);
  tmp = mkdtempSync(join(tmpdir(), 'marquee-deploy-check-'));
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** nginx.conf as Debian's NGINX 1.22 can test it here unchanged but for its log and pid paths → tmp. */
function localCopy(conf: string, dir: string): string {
  return conf.replaceAll('/var/log/nginx/', `${dir}/`).replaceAll('/var/log/marquee/', `${dir}/`).replace(/^pid .*;$/m, `pid ${dir}/nginx.pid;`);
}

async function nginxTest(text: string, name: string): Promise<{ code: number; out: string }> {
  const dir = join(tmp, name);
  const path = join(dir, 'nginx.conf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, text.replaceAll('__DIR__', dir));
  return run(findBinary('nginx'), ['-t', '-p', dir, '-c', path, '-e', join(dir, 'error.log')]);
}

describe('nginx -t on nginx/nginx.conf', () => {
  const conf = readRepo('nginx/nginx.conf');

  it('accepts the config', async () => {
    const { code, out } = await nginxTest(localCopy(conf, '__DIR__'), 'ok');
    expect(out).toContain('syntax is ok');
    expect(out).toContain('test is successful');
    expect(code).toBe(0);
  });

  it('rejects a syntax error', async () => {
    const broken = localCopy(conf, '__DIR__').replace('proxy_http_version 1.1;', 'proxy_http_version 1.1');
    expect((await nginxTest(broken, 'syntax')).code).not.toBe(0);
  });
});

describe('promtool check config on monitoring/prometheus.yml', () => {
  // The rule file path is the container's; point it at the repo's file.
  const conf = readRepo('monitoring/prometheus.yml').replace('  - /etc/prometheus/alerts.yml\n', `  - ${resolve(REPO, 'monitoring/alerts.yml')}\n`);

  it('accepts the config', async () => {
    const path = join(tmp, 'prometheus.yml');
    writeFileSync(path, conf);
    const { code, out } = await run(findBinary('promtool'), ['check', 'config', path]);
    expect(out).toMatch(/SUCCESS/);
    expect(code).toBe(0);
  });

  it('rejects a scrape timeout longer than the interval', async () => {
    const path = join(tmp, 'prometheus-bad.yml');
    writeFileSync(path, conf.replace('scrape_timeout: 4s', 'scrape_timeout: 30s'));
    const { code, out } = await run(findBinary('promtool'), ['check', 'config', path]);
    expect(code).not.toBe(0);
    expect(out).toMatch(/scrape timeout greater than scrape interval/i);
  });
});

describe('docker-compose config on docker-compose.yml', () => {
  it('parses and interpolates with an .env made from .env.example', async () => {
    const dir = join(tmp, 'compose');
    mkdirSync(dir, { recursive: true });
    copyFileSync(resolve(REPO, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    copyFileSync(resolve(REPO, '.env.example'), join(dir, '.env'));
    const { code, out } = await run(findBinary('docker-compose'), ['-f', 'docker-compose.yml', 'config'], dir);
    expect(code, out).toBe(0);
    const resolved = parse(out) as ComposeFile;
    expect(resolved.services['inference-stable-1'].environment?.MODEL_PATH).toBe('/app/models/sample');
    expect(resolved.services['inference-canary'].environment?.TRACK).toBe('canary');
    expect(resolved.services['provenance-shipper'].environment?.MYSQL_USER).toBe('marquee_inference');
    expect(resolved.services.worker.environment?.DVC_REMOTE_URL).toBe('/srv/marquee/dvc-remote');
    expect(resolved.services.nginx.depends_on?.['inference-stable-1']).toEqual({ condition: 'service_healthy' });
  });

  it('refuses to start without the required variables, naming them', async () => {
    const bare = join(tmp, 'compose-bare');
    mkdirSync(bare, { recursive: true });
    copyFileSync(resolve(REPO, 'docker-compose.yml'), join(bare, 'docker-compose.yml'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DVC_|KAFKA_)/.test(k)));
    const { code, out } = await run(findBinary('docker-compose'), ['-f', 'docker-compose.yml', 'config'], bare, env);
    expect(code).not.toBe(0);
    expect(out).toMatch(/set (DVC_REMOTE_DIR \(an absolute path\)|KAFKA_BROKERS) in \.env/);
  });
});
