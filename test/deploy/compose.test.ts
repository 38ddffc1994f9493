// docker-compose.yml describes the production topology: three inference replicas of one image
// (two stable, one canary), NGINX on 8082, Prometheus, cAdvisor, MySQL with a persistent volume,
// the one-shot init, the pipeline worker and the provenance shipper; healthchecks, ordered start-up,
// restart policies.
// Quick checks of the file's shape; test/stack/compose.stack.test.ts runs it for real.
import { describe, expect, it } from 'vitest';
import { PRODUCTION_NETWORK, PRODUCTION_REPLICAS, PRODUCTION_TRIAL_REPLICAS } from '../../deploy/config/topology.ts';
import { INFERENCE_SERVICES } from '../../services/release/compose-orchestrator.ts';
import { parseCompose, readRepo } from './repo.ts';

const compose = parseCompose();
const svc = compose.services;
const INFERENCE = ['inference-stable-1', 'inference-stable-2', 'inference-canary'];

describe('docker-compose.yml topology', () => {
  it('has exactly the production services', () => {
    expect(Object.keys(svc).sort()).toEqual(
      ['cadvisor', 'inference-baseline', 'inference-canary', 'inference-stable-1', 'inference-stable-2', 'init', 'mysql', 'nginx', 'prometheus', 'provenance-shipper', 'worker'].sort(),
    );
  });

  it("keeps a stepped release's baseline out of the default stack: same image as the canary, profile `release`", () => {
    const b = svc['inference-baseline'];
    expect(b.profiles).toEqual(['release']);
    expect(b.image).toBe(svc['inference-canary'].image);
    expect(b.build).toEqual(svc['inference-canary'].build);
    expect(b.environment?.TRACK).toBe('baseline');
    expect(b.environment?.MODEL_PATH).toMatch(/^\/app\/models\/\$\{BASELINE_MODEL_VERSION(:-[^}]*)?\}$/);
    expect(b.ports).toBeUndefined();
    // Nothing waits for it, so `docker compose up -d` starts without it.
    for (const [name, s] of Object.entries(svc)) expect(s.depends_on?.['inference-baseline'], name).toBeUndefined();
    expect(PRODUCTION_TRIAL_REPLICAS.map((r) => [r.service, r.track])).toEqual([['inference-baseline', 'baseline']]);
    // the service the release controller recreates and removes
    expect(INFERENCE_SERVICES.baseline).toBe('inference-baseline');
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
      expect(s.environment?.MODEL_PATH, name).toMatch(new RegExp(`^/app/models/\\$\\{${versionVar}(:[-?][^}]*)?\\}$`));
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
    for (const name of INFERENCE) expect(JSON.stringify(svc[name].healthcheck?.test)).toMatch(/127\.0\.0\.1\/8082.*GET \/readyz/);
    for (const name of [...INFERENCE, 'inference-baseline']) {
      const test = svc[name].healthcheck?.test as string[];
      // CMD-SHELL: Podman's Docker API splits each CMD word at spaces; a shell string stays whole.
      expect(test[0], name).toBe('CMD-SHELL');
      // The datagram that announces a recreated replica's MAC goes to this network's gateway.
      expect(test[1], name).toContain(`/dev/udp/${PRODUCTION_NETWORK.gateway}/`);
    }
    expect(JSON.stringify(svc.nginx.healthcheck?.test)).toContain('/nginx-health');
    expect(JSON.stringify(svc.mysql.healthcheck?.test)).toMatch(/mysqladmin","ping/);
    for (const [name, s] of Object.entries(svc)) expect(s.restart, name).toMatch(name === 'init' ? /^no$/ : /^(always|unless-stopped|on-failure)/);
  });

  it('starts services in order with depends_on conditions: mysql, init, replicas, nginx', () => {
    for (const [name, s] of Object.entries(svc)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(svc[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_started', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(cond.condition);
      }
    }
    expect(svc.init.depends_on?.mysql?.condition).toBe('service_healthy');
    for (const name of [...INFERENCE, 'worker']) expect(svc[name].depends_on?.init?.condition, name).toBe('service_completed_successfully');
    expect(svc.nginx.depends_on?.['inference-stable-1']?.condition).toBe('service_healthy');
    expect(svc.nginx.depends_on?.['inference-stable-2']?.condition).toBe('service_healthy');
    expect(svc.nginx.depends_on?.['inference-canary']).toBeDefined();
    // cAdvisor is optional (a profile): nothing may depend on it.
    for (const [name, s] of Object.entries(svc)) expect(s.depends_on?.cadvisor, name).toBeUndefined();
  });

  it('gives each replica the fixed address NGINX is generated with', () => {
    for (const r of [...PRODUCTION_REPLICAS, ...PRODUCTION_TRIAL_REPLICAS]) {
      const networks = svc[r.service].networks as Record<string, { ipv4_address?: string }>;
      expect(networks.backend?.ipv4_address, r.service).toBe(r.ipv4);
    }
    expect(compose.networks?.backend?.ipam?.config?.[0]?.subnet).toBe(PRODUCTION_NETWORK.subnet);
  });

  it('publishes only NGINX to the world, Prometheus and MySQL on 127.0.0.1', () => {
    expect(svc.nginx.ports).toEqual(['${PUBLIC_PORT:-8082}:8082']);
    expect(svc.nginx.volumes).toContain('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(svc.prometheus.ports).toEqual(['127.0.0.1:${PROMETHEUS_HOST_PORT:-9090}:9090']);
    expect(svc.mysql.ports).toEqual(['127.0.0.1:${MYSQL_HOST_PORT:-3307}:3306']);
    for (const [name, s] of Object.entries(svc)) if (!['nginx', 'prometheus', 'mysql'].includes(name)) expect(s.ports, name).toBeUndefined();
  });

  it('pins supported image versions', () => {
    expect(svc.mysql.image).toMatch(/^mysql:8\.4\.\d+$/);
    expect(svc.nginx.image).toMatch(/^nginx:1\.\d+\.\d+$/);
    expect(svc.prometheus.image).toMatch(/^prom\/prometheus:v3\.\d+\.\d+$/);
    expect(readRepo('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
  });

  it('runs migrations once, in init, as root; the apps as least-privilege users with secrets from files', () => {
    expect(JSON.stringify(svc.init.command)).toContain('services/core/db/migrate-cli.ts');
    expect(svc.init.environment?.MYSQL_ADMIN_PASSWORD_FILE).toBe('/run/secrets/mysql_root_password');
    // The replicas need no database (PROVENANCE=nginx): no MySQL settings, no secret. The shipper
    // writes their rows with the INSERT-only user.
    for (const name of INFERENCE) {
      expect(svc[name].environment?.PROVENANCE, name).toBe('nginx');
      expect(svc[name].environment?.MYSQL_USER, name).toBeUndefined();
      expect(svc[name].secrets, name).toBeUndefined();
    }
    const shipper = svc['provenance-shipper'];
    expect(shipper.environment?.MYSQL_USER).toBe('${MYSQL_INFERENCE_USER:-marquee_inference}');
    expect(shipper.environment?.MYSQL_PASSWORD_FILE).toBe('/run/secrets/mysql_inference_password');
    expect(svc.worker.environment?.MYSQL_USER).toBe('${MYSQL_PIPELINE_USER:-marquee_pipeline}');
    expect(svc.mysql.environment?.MYSQL_ROOT_PASSWORD_FILE).toBe('/run/secrets/mysql_root_password');
    // No password in any environment, and none on the healthcheck's command line.
    for (const [name, s] of Object.entries(svc)) {
      for (const key of Object.keys(s.environment ?? {})) expect(key, `${name}.${key}`).not.toMatch(/PASSWORD$|WEBHOOK_URL$/);
    }
    expect(JSON.stringify(svc.mysql.healthcheck?.test)).not.toMatch(/-p|PASSWORD/);
  });

  it('runs application containers as a non-root user', () => {
    for (const name of [...INFERENCE, 'worker', 'init', 'provenance-shipper']) expect(svc[name].user, name).toBe('${HOST_UID:-1000}:${HOST_GID:-1000}');
    const dockerfile = readRepo('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));
    expect(runtime).toMatch(/^USER node$/m);
  });
});
