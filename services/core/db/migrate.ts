// Applies the SQL files in ./migrations in name order, each once, recorded in schema_migrations.
// Only the dedicated migration step (`npm run migrate`, migrate-cli.ts) and test set-up call this:
// the services themselves run with users that cannot change the schema, and only check it
// (schema-check.ts). A named lock makes concurrent runs apply each file once.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { connectMysql, type MysqlSettings } from './connection.ts';
import { MarqueeError } from '../errors.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** How long a second concurrent run waits for the first before giving up. */
export const MIGRATE_LOCK_TIMEOUT_S = 120;
/**
 * The migration step's statements are bounded too, but not by the services' MYSQL_QUERY_TIMEOUT_MS:
 * waiting for the lock takes up to MIGRATE_LOCK_TIMEOUT_S, and an ALTER that copies reccom (a row
 * per served request) takes minutes. An hour still ends a run against a hung server.
 */
export const MIGRATION_STATEMENT_TIMEOUT_MS = 3_600_000;

/** The migration files in the order they are applied. */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

/** GET_LOCK names are server-wide (max 64 characters), so the database's name is hashed into it. */
export function migrationLockName(database: string): string {
  return `marquee_migrate_${createHash('md5').update(database).digest('hex').slice(0, 16)}`;
}

/**
 * Runs `fn` holding the server-wide lock for `database` (MySQL 8 and MariaDB: GET_LOCK is per
 * session, and released when the connection closes even if this process dies).
 */
export async function withMigrationLock<T>(
  conn: mysql.Connection,
  database: string,
  fn: () => Promise<T>,
  timeoutS = MIGRATE_LOCK_TIMEOUT_S,
): Promise<T> {
  const name = migrationLockName(database);
  const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, timeoutS]);
  if (Number((rows as { got: number | null }[])[0]?.got) !== 1) {
    throw new MarqueeError('LOCKED', `another migration of database ${database} held the lock for ${timeoutS} s; try again`);
  }
  try {
    return await fn();
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {});
  }
}

/** Applies the missing migrations on `conn` (which must allow multiple statements); call under the lock. */
export async function applyMigrations(conn: mysql.Connection, dir = MIGRATIONS_DIR): Promise<string[]> {
  await conn.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(255) PRIMARY KEY, applied_at DATETIME(3) NOT NULL)',
  );
  const [rows] = await conn.query('SELECT name FROM schema_migrations');
  const done = new Set((rows as { name: string }[]).map((r) => r.name));
  const applied: string[] = [];
  for (const file of migrationFiles(dir)) {
    if (done.has(file)) continue;
    await conn.query(readFileSync(join(dir, file), 'utf8'));
    await conn.query('INSERT INTO schema_migrations (name, applied_at) VALUES (?, UTC_TIMESTAMP(3))', [file]);
    applied.push(file);
  }
  return applied;
}

/** Connects with `s` (a user allowed to change the schema) and applies the missing migrations under the lock. */
export async function migrate(s: MysqlSettings, dir = MIGRATIONS_DIR): Promise<string[]> {
  const conn = await connectMysql(s, { multipleStatements: true, queryMs: MIGRATION_STATEMENT_TIMEOUT_MS });
  try {
    return await withMigrationLock(conn, s.database, () => applyMigrations(conn, dir));
  } finally {
    await conn.end();
  }
}

/** Creates a database if it is missing (the migration step; tests use one throw-away database per suite). */
export async function ensureDatabase(s: MysqlSettings): Promise<void> {
  const conn = await connectMysql(s, { noDatabase: true });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(s.database)}`);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(s: MysqlSettings): Promise<void> {
  const conn = await connectMysql(s, { noDatabase: true });
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(s.database)}`);
  } finally {
    await conn.end();
  }
}
