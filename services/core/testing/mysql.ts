// Throw-away databases and users on the local MariaDB for one test suite. Services no longer migrate
// at start (the migration step does), so every test database is migrated here, as `npm run migrate`
// would: the one shared helper for tests, the local-process stack, e2e and benchmarks.
import { randomBytes } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { connectMysql, createPool, mysqlSettingsFromEnv, type MysqlSettings } from '../db/connection.ts';
import { dropDatabase, ensureDatabase, migrate } from '../db/migrate.ts';
import { APP_USER_HOST, provisionUser, type Role } from '../db/users.ts';

export interface TestDatabase {
  /** Admin (root) settings for the database. */
  settings: MysqlSettings;
  drop: () => Promise<void>;
}

/**
 * A new database, created and migrated with the admin settings from MYSQL_* (root locally). Its
 * settings carry no `timeouts`, so tests may also hand them to mysql2 directly; the factories in
 * connection.ts then apply the defaults.
 */
export async function createTestDatabase(prefix = 'marquee_t'): Promise<TestDatabase> {
  const { host, port, user, password } = mysqlSettingsFromEnv();
  const settings = { host, port, user, password, database: `${prefix}_${randomBytes(4).toString('hex')}` };
  await ensureDatabase(settings);
  await migrate(settings);
  return { settings, drop: () => dropDatabase(settings) };
}

export interface TestPool extends TestDatabase {
  /** An admin pool on the database, for a suite to seed and read it. */
  pool: Pool;
}

/** createTestDatabase with an admin pool on it; `drop` ends the pool, then drops the database. */
export async function createTestPool(prefix?: string): Promise<TestPool> {
  const db = await createTestDatabase(prefix);
  const pool = createPool(db.settings);
  return {
    ...db,
    pool,
    drop: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

/** A least-privilege application user of `role` on the test database (users.ts), as production has. */
export async function createTestUser(
  admin: MysqlSettings,
  role: Role,
): Promise<{ settings: MysqlSettings; drop: () => Promise<void> }> {
  const user = `mq_${role.slice(0, 4)}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const conn = await connectMysql(admin);
  try {
    await provisionUser(conn, { role, user, password }, admin.database);
  } finally {
    await conn.end();
  }
  return { settings: { ...admin, user, password }, drop: () => dropTestUser(admin, user) };
}

export async function dropTestUser(admin: MysqlSettings, user: string): Promise<void> {
  const conn = await connectMysql(admin);
  try {
    await conn.query('DROP USER IF EXISTS ?@?', [user, APP_USER_HOST]);
  } finally {
    await conn.end();
  }
}

/** The MYSQL_* variables (mysqlEnvShape) that make a service or CLI connect with `s`. */
export function mysqlEnvOf(s: MysqlSettings): Record<string, string> {
  return { MYSQL_HOST: s.host, MYSQL_PORT: String(s.port), MYSQL_USER: s.user, MYSQL_PASSWORD: s.password, MYSQL_DATABASE: s.database };
}
