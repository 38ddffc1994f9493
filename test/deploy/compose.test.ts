// docker-compose.yml describes the production topology: three inference replicas of one image
// (two stable, one canary), NGINX on 8082, Prometheus, cAdvisor, MySQL with a persistent volume and
// an application user, and the pipeline worker; healthchecks, ordered start-up, restart policies.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCTION_REPLICAS } from '../../services/core/localstack/topology.ts';
import { parseCompose, readRepo, REPO } from './repo.ts';

const compose = parseCompose();
const svc = compose.services;
const INFERENCE = ['inference-stable-1', 'inference-stable-2', 'inference-canary'];

describe('docker-compose.yml topology', () => {
  it('has exactly the production services', () => {
    expect(Object.keys(svc).sort()).toEqual(
      ['cadvisor', 'inference-canary', 'inference-stable-1', 'inference-stable-2', 'mysql', 'nginx', 'prometheus', 'worker'].sort(),
    );
  });

  it('runs the three inference replicas from one image, with their track and model version', () => {
    const images = new Set(INFERENCE.map((n) => svc[n].image));
    expect(images.size).toBe(1);
    for (const name of INFERENCE) {
      const s = svc[name];
      expect(s.build).toMatchObject({ context: '.', target: 'runtime' });
      const track = name === 'inference-canary' ? 'canary' : 'stable';
      expect(s.environment?.TRACK, name).toBe(track);
      const versionVar = track === 'canary' ? 'CANARY_MODEL_VERSION' : 'STABLE_MODEL_VERSION';
      expect(s.environment?.MODEL_PATH, name).toMatch(new RegExp(`^/app/models/\\$\\{${versionVar}(:\\?[^}]*)?\\}$`));
      expect(s.environment?.PORT).toBe('8082');
      expect(s.volumes).toContain('./models:/app/models:ro');
      expect(s.ports, `${name} is reached through NGINX only`).toBeUndefined();
    }
    // the same replica list NGINX and Prometheus are generated from
    expect(PRODUCTION_REPLICAS.map((r) => [r.service, r.track])).toEqual(INFERENCE.map((n) => [n, svc[n].environment?.TRACK]));
  });

  it('gives every long-running server a healthcheck, and every service a restart policy', () => {
    for (const name of [...INFERENCE, 'nginx', 'prometheus', 'cadvisor', 'mysql']) {
      const test = svc[name].healthcheck?.test;
      expect(test, name).toBeDefined();
      expect(Array.isArray(test) ? test[0] : '', name).toMatch(/^CMD(-SHELL)?$/);
    }
    for (const name of INFERENCE) expect(JSON.stringify(svc[name].healthcheck?.test)).toMatch(/127\.0\.0\.1:8082\/(readyz|healthz)/);
    expect(JSON.stringify(svc.nginx.healthcheck?.test)).toContain('/nginx-health');
    expect(JSON.stringify(svc.mysql.healthcheck?.test)).toContain('mysqladmin ping');
    for (const [name, s] of Object.entries(svc)) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
  });

  it('starts services in order with depends_on conditions', () => {
    for (const [name, s] of Object.entries(svc)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(svc[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_started', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(cond.condition);
      }
    }
    expect(svc.nginx.depends_on?.['inference-stable-1']?.condition).toBe('service_healthy');
    expect(svc.nginx.depends_on?.['inference-stable-2']?.condition).toBe('service_healthy');
    expect(svc.nginx.depends_on?.['inference-canary']).toBeDefined();
    expect(svc.worker.depends_on?.mysql?.condition).toBe('service_healthy');
    expect(svc.prometheus.depends_on?.cadvisor).toBeDefined();
    for (const name of INFERENCE) expect(svc[name].depends_on?.mysql, name).toBeDefined();
  });

  it('publishes NGINX on host port 8082 with the repo nginx.conf', () => {
    expect(svc.nginx.ports).toEqual(['8082:8082']);
    expect(svc.nginx.volumes).toContain('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('runs Prometheus on the repo prometheus.yml with reloads enabled, host-local only', () => {
    expect(svc.prometheus.volumes).toContain('./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(svc.prometheus.command).toContain('--web.enable-lifecycle');
    expect(svc.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
  });

  it('keeps MySQL data in a named volume, applies the migrations, and uses an application user', () => {
    const m = svc.mysql;
    expect(m.image).toMatch(/^mysql:8/);
    const dataVolume = m.volumes?.find((v) => v.endsWith(':/var/lib/mysql'))?.split(':')[0];
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume);
    const init = m.volumes?.find((v) => v.includes(':/docker-entrypoint-initdb.d'));
    expect(init).toBe('./services/core/db/migrations:/docker-entrypoint-initdb.d:ro');
    expect(existsSync(resolve(REPO, 'services/core/db/migrations/001_tracking_and_reccom.sql'))).toBe(true);
    expect(m.environment?.MYSQL_USER).toMatch(/^\$\{MYSQL_USER[:?}]/);
    expect(m.environment?.MYSQL_PASSWORD).toMatch(/^\$\{MYSQL_PASSWORD[:?}]/);
    expect(m.environment?.MYSQL_ROOT_PASSWORD).toMatch(/^\$\{MYSQL_ROOT_PASSWORD[:?}]/);
    // the apps connect as that user, never as root
    for (const name of [...INFERENCE, 'worker']) {
      expect(svc[name].environment?.MYSQL_USER, name).toBe(m.environment?.MYSQL_USER);
      expect(svc[name].environment?.MYSQL_HOST, name).toBe('mysql');
    }
  });

  it('runs application containers as a non-root user', () => {
    const dockerfile = readRepo('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));
    expect(runtime).toMatch(/^USER node$/m);
    expect(svc.worker.user).toMatch(/^\$\{HOST_UID:-1000\}:\$\{HOST_GID:-1000\}$/);
    expect(svc.worker.user?.startsWith('0')).toBe(false);
  });

  it('runs the pipeline worker with npm run worker from the worker image', () => {
    expect(svc.worker.command).toEqual(['npm', 'run', 'worker']);
    expect(svc.worker.build).toMatchObject({ context: '.', target: 'worker' });
    const scripts = (JSON.parse(readRepo('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.worker).toBeDefined();
  });

  it('never hard-codes a secret: passwords, SMTP and Slack come from .env', () => {
    for (const [name, s] of Object.entries(svc)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN|WEBHOOK|SMTP_USER/.test(key)) expect(String(value), `${name}.${key}`).toMatch(/^\$\{[A-Z_]+/);
      }
    }
  });
});
