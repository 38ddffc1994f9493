// The migration step's environment: admin credentials (to create the database, change the schema and
// manage users) and, optionally, the application users to create or update. Every variable may be
// given as X_FILE (a mounted secret), see config.ts.
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../config.ts';
import { mysqlTimeoutEnvShape, type MysqlSettings } from './connection.ts';
import type { AppUser, Role } from './users.ts';

// MySQL user names are at most 32 characters; a plain charset keeps them safe in logs and grants.
const userName = () => z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, '1-32 letters, digits, _ . -').optional();

export const migrateEnvShape = {
  MYSQL_HOST: env.string('127.0.0.1'),
  MYSQL_PORT: env.port(3306),
  MYSQL_DATABASE: z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, '1-64 letters, digits, _ $').default('test'),
  MYSQL_ADMIN_USER: env.string('root'),
  MYSQL_ADMIN_PASSWORD: z.string().default(''),
  MYSQL_INFERENCE_USER: userName(),
  MYSQL_INFERENCE_PASSWORD: env.optionalString(),
  MYSQL_PIPELINE_USER: userName(),
  MYSQL_PIPELINE_PASSWORD: env.optionalString(),
  MYSQL_PROVENANCE_USER: userName(),
  MYSQL_PROVENANCE_PASSWORD: env.optionalString(),
  /** How long to wait for the server to accept connections (it may still be starting). */
  MIGRATE_WAIT_MS: env.int(60_000, 0),
  /** Connecting, as for the services; statements have their own bound (migrate.ts). */
  ...mysqlTimeoutEnvShape,
};

export interface MigrateConfig {
  admin: MysqlSettings;
  users: AppUser[];
  waitMs: number;
}

const ROLE_VARS: [Role, 'MYSQL_INFERENCE' | 'MYSQL_PIPELINE' | 'MYSQL_PROVENANCE'][] = [
  ['inference', 'MYSQL_INFERENCE'],
  ['pipeline', 'MYSQL_PIPELINE'],
  ['provenance', 'MYSQL_PROVENANCE'],
];

export function loadMigrateConfig(source: Record<string, string | undefined> = process.env): MigrateConfig {
  const c = loadConfig(migrateEnvShape, source);
  const issues: string[] = [];
  const users: AppUser[] = [];
  const seen = new Map<string, string>();
  for (const [role, prefix] of ROLE_VARS) {
    const user = c[`${prefix}_USER`];
    const password = c[`${prefix}_PASSWORD`];
    if (!user && !password) continue;
    if (!user) issues.push(`${prefix}_USER: required when ${prefix}_PASSWORD (or ${prefix}_PASSWORD_FILE) is set`);
    else if (!password) issues.push(`${prefix}_PASSWORD: required (or ${prefix}_PASSWORD_FILE) when ${prefix}_USER is set`);
    else if (user === c.MYSQL_ADMIN_USER) issues.push(`${prefix}_USER: must differ from MYSQL_ADMIN_USER (its rights would be revoked)`);
    else if (seen.has(user)) issues.push(`${prefix}_USER: '${user}' is also ${seen.get(user)}; each service needs its own user`);
    else {
      seen.set(user, `${prefix}_USER`);
      users.push({ role, user, password });
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return {
    admin: {
      host: c.MYSQL_HOST,
      port: c.MYSQL_PORT,
      user: c.MYSQL_ADMIN_USER,
      password: c.MYSQL_ADMIN_PASSWORD,
      database: c.MYSQL_DATABASE,
      timeouts: { connectMs: c.MYSQL_CONNECT_TIMEOUT_MS, queryMs: c.MYSQL_QUERY_TIMEOUT_MS },
    },
    users,
    waitMs: c.MIGRATE_WAIT_MS,
  };
}
