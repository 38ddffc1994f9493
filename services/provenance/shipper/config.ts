// The provenance shipper's environment, validated once at start-up (see docs/architecture.md).
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { env, loadConfig } from '../../core/config.ts';
import { mysqlEnvShape, mysqlSettingsFrom, type MysqlSettings } from '../../core/db/connection.ts';

export const shipperEnvShape = {
  /** NGINX's provenance log (deploy/config/nginx-conf.ts); relative to the repo root unless absolute. */
  PROVENANCE_LOG: env.string('var/nginx/logs/provenance.log'),
  /** The shipper's position in the log; default beside it, `<log>.position`. */
  SHIPPER_POSITION_FILE: z.string().min(1).optional(),
  /** How often the log is read. */
  SHIPPER_INTERVAL_MS: env.int(1000, 10),
  /** Rows per INSERT (a power of two is one prepared statement). */
  SHIPPER_BATCH_SIZE: env.int(1024, 1),
  /** The live log is renamed once larger than this and read to its end. */
  SHIPPER_ROTATE_BYTES: env.int(64 * 1024 * 1024, 1024),
  /** NGINX's pid file: the shipper sends its master SIGUSR1 (reopen the logs) after a rotation. */
  NGINX_PID_FILE: z.string().min(1).optional(),
  /** While the host's CPU is at least PROVENANCE_DEFER_CPU busy, shipping waits up to this long (0: never). */
  PROVENANCE_MAX_DEFER_MS: env.int(60_000, 0),
  PROVENANCE_DEFER_CPU: z.coerce.number().gt(0).max(1).default(0.8),
  /** Port of GET /metrics; 0 turns it off. */
  SHIPPER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  SHIPPER_METRICS_HOST: env.string('0.0.0.0'),
  ...mysqlEnvShape,
};

export interface ShipperConfig {
  log: string;
  position: string;
  intervalMs: number;
  batchSize: number;
  rotateBytes: number;
  nginxPidFile?: string;
  maxDeferMs: number;
  deferCpu: number;
  metricsPort: number;
  metricsHost: string;
  mysql: MysqlSettings;
}

/** Reads the config from `source`; throws ConfigError naming each bad variable. */
export function loadShipperConfig(source: Record<string, string | undefined> = process.env, repoRoot = process.cwd()): ShipperConfig {
  const c = loadConfig(shipperEnvShape, source);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(repoRoot, p));
  const log = abs(c.PROVENANCE_LOG);
  return {
    log,
    position: c.SHIPPER_POSITION_FILE ? abs(c.SHIPPER_POSITION_FILE) : `${log}.position`,
    intervalMs: c.SHIPPER_INTERVAL_MS,
    batchSize: c.SHIPPER_BATCH_SIZE,
    rotateBytes: c.SHIPPER_ROTATE_BYTES,
    nginxPidFile: c.NGINX_PID_FILE ? abs(c.NGINX_PID_FILE) : undefined,
    maxDeferMs: c.PROVENANCE_MAX_DEFER_MS,
    deferCpu: c.PROVENANCE_DEFER_CPU,
    metricsPort: c.SHIPPER_METRICS_PORT,
    metricsHost: c.SHIPPER_METRICS_HOST,
    mysql: mysqlSettingsFrom(c),
  };
}
