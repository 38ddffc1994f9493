// The inference service's environment, validated once at start-up (see docs/architecture.md).
import { availableParallelism, hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { env, loadConfig } from '../core/config.ts';
import { mysqlEnvShape, mysqlSettingsFrom, type MysqlSettings } from '../core/db/connection.ts';
import { PROXY_TIMEOUTS, REQUEST_ID } from '../core/nginx-contract.ts';
import { DEFAULT_COLD_START_BELOW } from './recommender.ts';

/** A replica's name: X-Replica and reccom.replica (ASCII, as the column). */
const REPLICA_NAME = REQUEST_ID; // the same characters: it is stored in reccom.replica beside request_id

/** `<host>-<port>`, made safe for REPLICA_NAME: unique per process on one host. */
export function defaultReplicaName(port: number, host = hostname()): string {
  return `${host.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 56)}-${port}`;
}

/**
 * One rank worker per core, at most 4. Not cores - 1: at 1,000 cache misses/s on the 27k-movie
 * model a miss costs ~0.8 ms of worker CPU, so on 2 cores a single worker runs at ~80 % and queues
 * misses, while the main thread needs only ~0.1 ms per request. Not more than 4: each miss reads
 * all item factors (10.8 MB for 27k × 100), so past a few workers memory bandwidth, not cores, limits.
 */
export function defaultRankWorkers(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores));
}

export const inferenceEnvShape = {
  /** 0 picks a free port (tests); the actual one is logged. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  HOST: env.string('0.0.0.0'),
  /** Folder of a model artifact (or a symlink to one), relative to the repo root unless absolute. */
  MODEL_PATH: env.string('models/current'),
  TRACK: z.enum(['stable', 'baseline', 'canary']).default('stable'),
  /**
   * on: this replica records each answer (spool, then MySQL); nginx: its answers carry the
   * X-Provenance header and NGINX's provenance log is the record (services/provenance/shipper);
   * off: nothing is recorded.
   */
  PROVENANCE: z.enum(['on', 'off', 'nginx']).default('off'),
  /** Rows per INSERT; a power of two is one prepared statement (see core/provenance/insert.ts). */
  PROVENANCE_BATCH_SIZE: env.int(1024, 1),
  PROVENANCE_FLUSH_MS: env.int(1000, 10),
  /** Rows held in memory at most (beyond it they wait in the spool only); ~0.2 KB each. */
  PROVENANCE_BUFFER_MAX: env.int(300_000, 1),
  /** The local spool that keeps rows across kill -9 until they are in MySQL (provenance/spool.ts). */
  PROVENANCE_SPOOL: z.enum(['on', 'off']).default('on'),
  /** Its root, relative to the repo root unless absolute; one subdirectory per MySQL database. */
  PROVENANCE_SPOOL_DIR: env.string('var/provenance-spool'),
  /**
   * The spool is fdatasync'd at most this often (group commit). kill -9 loses no row whatever this
   * is (rows are written before their answer); a crash of the whole machine loses up to this
   * window plus one fdatasync. Not less: each fdatasync costs ~0.5 ms of CPU here (an ext4 journal
   * commit), so every 10 ms in three replicas took ~13 % of a 2-core host (docs/benchmarks.md).
   */
  PROVENANCE_SPOOL_GROUP_MS: env.int(100, 1),
  /**
   * An answer written later than this after NGINX took the request may have been abandoned by
   * NGINX (its per-try read timeout); see provenance/delivery.ts.
   */
  PROVENANCE_ACCEPT_WITHIN_MS: env.int(PROXY_TIMEOUTS.readMs, 1),
  /** This process's name in X-Replica and reccom.replica; default <hostname>-<port>. */
  REPLICA_NAME: z.string().regex(REPLICA_NAME, 'letters, digits, . _ : - (1-64)').optional(),
  /**
   * Write-behind: while the host's CPU is at least PROVENANCE_DEFER_CPU busy, rows wait up to this
   * long before MySQL gets them (0: never wait). See provenance/recorder.ts.
   */
  PROVENANCE_MAX_DEFER_MS: env.int(60_000, 0),
  PROVENANCE_DEFER_CPU: z.coerce.number().gt(0).max(1).default(0.8),
  /** Answers kept per process (one per known user); each is ~0.5 KB. */
  RECOMMEND_CACHE_SIZE: env.int(50_000, 0),
  /**
   * Known users with fewer interactions than this get a blend of their ranking and the model's
   * recent chart, leaning on the chart (recommender.ts); 0 turns it off. Unknown users get the chart.
   */
  RECOMMEND_COLD_START_BELOW: env.int(DEFAULT_COLD_START_BELOW, 0),
  /** Worker threads that rank cache misses (0: rank on the main thread); default: see defaultRankWorkers. */
  RANK_WORKERS: z.coerce.number().int().min(0).max(64).default(defaultRankWorkers()),
  /** Test-only: extra latency added to every /recommend response. */
  INFERENCE_TEST_DELAY_MS: env.int(0, 0),
  ...mysqlEnvShape,
};

export interface InferenceConfig {
  port: number;
  host: string;
  modelPath: string;
  track: 'stable' | 'baseline' | 'canary';
  replica: string;
  provenance: {
    /** The replica records rows itself (PROVENANCE=on). */
    enabled: boolean;
    /** Answers carry X-Provenance for NGINX's provenance log (PROVENANCE=nginx). */
    viaNginx: boolean;
    /** Spool directory for this database, or null when the spool is off. */
    spoolDir: string | null;
    spoolGroupMs: number;
    acceptWithinMs: number;
    batchSize: number;
    flushMs: number;
    bufferMax: number;
    /** 0: writes never wait for CPU pressure to pass. */
    maxDeferMs: number;
    deferCpu: number;
    mysql: MysqlSettings;
  };
  cacheSize: number;
  coldStartBelow: number;
  rankWorkers: number;
  testDelayMs: number;
}

/** Reads the config from `env`; throws ConfigError naming each bad variable. */
export function loadInferenceConfig(
  source: Record<string, string | undefined> = process.env,
  repoRoot = process.cwd(),
): InferenceConfig {
  const c = loadConfig(inferenceEnvShape, source);
  const root = isAbsolute(c.PROVENANCE_SPOOL_DIR) ? c.PROVENANCE_SPOOL_DIR : resolve(repoRoot, c.PROVENANCE_SPOOL_DIR);
  // Rows only ever go to the database they were recorded for, so each database has its own spool.
  const database = `${c.MYSQL_HOST}_${c.MYSQL_PORT}_${c.MYSQL_DATABASE}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    port: c.PORT,
    host: c.HOST,
    modelPath: isAbsolute(c.MODEL_PATH) ? c.MODEL_PATH : resolve(repoRoot, c.MODEL_PATH),
    track: c.TRACK,
    replica: c.REPLICA_NAME ?? defaultReplicaName(c.PORT),
    provenance: {
      enabled: c.PROVENANCE === 'on',
      viaNginx: c.PROVENANCE === 'nginx',
      spoolDir: c.PROVENANCE_SPOOL === 'on' ? resolve(root, database) : null,
      spoolGroupMs: c.PROVENANCE_SPOOL_GROUP_MS,
      acceptWithinMs: c.PROVENANCE_ACCEPT_WITHIN_MS,
      batchSize: c.PROVENANCE_BATCH_SIZE,
      flushMs: c.PROVENANCE_FLUSH_MS,
      bufferMax: c.PROVENANCE_BUFFER_MAX,
      maxDeferMs: c.PROVENANCE_MAX_DEFER_MS,
      deferCpu: c.PROVENANCE_DEFER_CPU,
      mysql: mysqlSettingsFrom(c),
    },
    cacheSize: c.RECOMMEND_CACHE_SIZE,
    coldStartBelow: c.RECOMMEND_COLD_START_BELOW,
    rankWorkers: c.RANK_WORKERS,
    testDelayMs: c.INFERENCE_TEST_DELAY_MS,
  };
}
