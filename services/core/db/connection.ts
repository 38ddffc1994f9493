// MySQL/MariaDB connection settings from the environment and a pool factory.
// Production points these at MySQL 8; tests at the local MariaDB with a throw-away database.
// Every connection the services open comes from here and is bounded (deadline.ts): a MySQL that
// stalls fails a call after MYSQL_CONNECT_TIMEOUT_MS / MYSQL_QUERY_TIMEOUT_MS, never holds it.
import mysql from 'mysql2/promise';
import { z } from 'zod';
import { env, loadConfig } from '../config.ts';
import { boundCommands, boundPool, explainConnectError, type Deadlines } from './deadline.ts';

export type MysqlTimeouts = Deadlines;

/**
 * Connecting includes MySQL's handshake; 2 s is ample on a LAN yet short against a replica's
 * request budget. A statement of the services is a batch INSERT or an indexed lookup (ms); 5 s
 * leaves room for a busy server, and a caller that must not wait longer retries or buffers.
 */
export const DEFAULT_MYSQL_TIMEOUTS: MysqlTimeouts = { connectMs: 2_000, queryMs: 5_000 };

export const mysqlTimeoutEnvShape = {
  MYSQL_CONNECT_TIMEOUT_MS: env.int(DEFAULT_MYSQL_TIMEOUTS.connectMs, 1),
  MYSQL_QUERY_TIMEOUT_MS: env.int(DEFAULT_MYSQL_TIMEOUTS.queryMs, 1),
};

export const mysqlEnvShape = {
  MYSQL_HOST: env.string('127.0.0.1'),
  MYSQL_PORT: env.port(3306),
  MYSQL_USER: env.string('root'),
  MYSQL_PASSWORD: z.string().default(''),
  MYSQL_DATABASE: env.string('test'),
  ...mysqlTimeoutEnvShape,
};

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Default DEFAULT_MYSQL_TIMEOUTS. Not a mysql2 option: pass settings to the factories here. */
  timeouts?: MysqlTimeouts;
}

/** Settings from an already-parsed config that spreads `mysqlEnvShape`. */
export function mysqlSettingsFrom(c: z.infer<z.ZodObject<typeof mysqlEnvShape>>): MysqlSettings {
  return {
    host: c.MYSQL_HOST,
    port: c.MYSQL_PORT,
    user: c.MYSQL_USER,
    password: c.MYSQL_PASSWORD,
    database: c.MYSQL_DATABASE,
    timeouts: { connectMs: c.MYSQL_CONNECT_TIMEOUT_MS, queryMs: c.MYSQL_QUERY_TIMEOUT_MS },
  };
}

export function mysqlSettingsFromEnv(source: Record<string, string | undefined> = process.env): MysqlSettings {
  return mysqlSettingsFrom(loadConfig(mysqlEnvShape, source));
}

export function createPool(s: MysqlSettings, connectionLimit = 4): mysql.Pool {
  const t = s.timeouts ?? DEFAULT_MYSQL_TIMEOUTS;
  const pool = mysql.createPool({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectionLimit,
    connectTimeout: t.connectMs,
    // DATETIME values are written and read as UTC.
    timezone: 'Z',
    dateStrings: false,
  });
  boundPool(pool.pool, t, `${s.host}:${s.port}`);
  return pool;
}

export interface ConnectOptions {
  multipleStatements?: boolean;
  /** Connect to the server without selecting `s.database` (to create or drop it). */
  noDatabase?: boolean;
  /** Overrides `s.timeouts.queryMs`, for the migration step's long statements. */
  queryMs?: number;
}

/** One connection (the migration step, test set-up), bounded like the pools' connections. */
export async function connectMysql(s: MysqlSettings, o: ConnectOptions = {}): Promise<mysql.Connection> {
  const t = s.timeouts ?? DEFAULT_MYSQL_TIMEOUTS;
  const where = `${s.host}:${s.port}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: o.noDatabase ? undefined : s.database,
      multipleStatements: o.multipleStatements ?? false,
      connectTimeout: t.connectMs,
    });
  } catch (err) {
    throw explainConnectError(err, where, t.connectMs);
  }
  // The promise wrapper's core connection (untyped in mysql2's typings).
  boundCommands((conn as unknown as { connection: unknown }).connection, o.queryMs ?? t.queryMs, where);
  return conn;
}
