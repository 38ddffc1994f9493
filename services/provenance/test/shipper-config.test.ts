// The provenance shipper's environment: defaults, paths, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.ts';
import { loadShipperConfig } from '../shipper/config.ts';

describe('loadShipperConfig', () => {
  it('defaults: the local NGINX log under the repo, the position beside it, write-behind on', () => {
    const c = loadShipperConfig({}, '/repo');
    expect(c).toMatchObject({
      log: '/repo/var/nginx/logs/provenance.log',
      position: '/repo/var/nginx/logs/provenance.log.position',
      intervalMs: 1000,
      batchSize: 1024,
      rotateBytes: 64 * 1024 * 1024,
      maxDeferMs: 60_000,
      deferCpu: 0.8,
      metricsPort: 9465,
    });
    expect(c.nginxPidFile).toBeUndefined();
  });

  it('reads every variable, paths relative to the repo unless absolute', () => {
    const c = loadShipperConfig(
      {
        PROVENANCE_LOG: '/var/log/marquee/provenance.log',
        SHIPPER_POSITION_FILE: 'state/position.json',
        SHIPPER_INTERVAL_MS: '200',
        SHIPPER_BATCH_SIZE: '64',
        SHIPPER_ROTATE_BYTES: '4096',
        NGINX_PID_FILE: '/run/nginx.pid',
        PROVENANCE_MAX_DEFER_MS: '0',
        SHIPPER_METRICS_PORT: '0',
        MYSQL_HOST: 'db',
      },
      '/repo',
    );
    expect(c).toMatchObject({
      log: '/var/log/marquee/provenance.log',
      position: '/repo/state/position.json',
      intervalMs: 200,
      batchSize: 64,
      rotateBytes: 4096,
      nginxPidFile: '/run/nginx.pid',
      maxDeferMs: 0,
      metricsPort: 0,
      mysql: { host: 'db' },
    });
  });

  it.each([
    ['SHIPPER_INTERVAL_MS', '5'],
    ['SHIPPER_BATCH_SIZE', '0'],
    ['SHIPPER_ROTATE_BYTES', '10'],
    ['PROVENANCE_DEFER_CPU', '2'],
    ['SHIPPER_METRICS_PORT', 'x'],
    ['MYSQL_PORT', 'x'],
  ])('refuses %s=%j with an error naming it, and no secret in it', (name, value) => {
    let caught: unknown;
    try {
      loadShipperConfig({ [name]: value, MYSQL_PASSWORD: 'hunter2' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain(name);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
