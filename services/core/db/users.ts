// The application's MySQL users, least privilege: each service gets exactly what its code runs.
//   inference replicas: INSERT reccom rows (services/inference/provenance/recorder.ts); nothing else is written or read.
//   pipeline worker:    SELECT + INSERT on tracking (lineage/tracking.ts); no reccom, no DDL.
//   provenance reader:  SELECT on tracking and reccom (`npm run provenance`).
// Every role may read schema_migrations, so a service can check at start that the schema is there.
// Same SQL on MySQL 8.4 and MariaDB 10.11: CREATE USER IF NOT EXISTS, ALTER USER, REVOKE, GRANT.
import mysql from 'mysql2/promise';
import { MarqueeError } from '../errors.ts';

export type Role = 'inference' | 'pipeline' | 'provenance';

/** Privileges per role, as (privileges, table) pairs. */
export const ROLE_GRANTS: Record<Role, { privileges: string; table: string }[]> = {
  inference: [
    { privileges: 'INSERT', table: 'reccom' },
    { privileges: 'SELECT', table: 'schema_migrations' },
  ],
  pipeline: [
    { privileges: 'SELECT, INSERT', table: 'tracking' },
    { privileges: 'SELECT', table: 'schema_migrations' },
  ],
  provenance: [
    { privileges: 'SELECT', table: 'tracking' },
    { privileges: 'SELECT', table: 'reccom' },
    { privileges: 'SELECT', table: 'schema_migrations' },
  ],
};

/** Application users connect from other containers, whose addresses are not fixed. */
export const APP_USER_HOST = '%';

export interface AppUser {
  role: Role;
  user: string;
  password: string;
}

/** A statement with its parameters; the password is a parameter, so it never sits in the SQL text. */
export interface Statement {
  sql: string;
  params: string[];
}

/**
 * Pure: create-or-update the user, rotate its password, drop whatever it held, grant its role.
 * The revoke-then-grant leaves it without rights for milliseconds; the replicas buffer rows and the
 * pipeline retries its insert, and it guarantees an updated role loses what it no longer needs.
 */
export function userStatements(u: AppUser, database: string): Statement[] {
  const account = [u.user, APP_USER_HOST];
  const statements: Statement[] = [
    { sql: 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', params: [...account, u.password] },
    { sql: 'ALTER USER ?@? IDENTIFIED BY ?', params: [...account, u.password] },
    { sql: 'REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?', params: account },
  ];
  for (const g of ROLE_GRANTS[u.role]) {
    statements.push({ sql: `GRANT ${g.privileges} ON ${mysql.escapeId(database)}.${mysql.escapeId(g.table)} TO ?@?`, params: account });
  }
  return statements;
}

/** One line per user for the log: who may do what (no password). */
export function describeGrants(u: AppUser): string {
  return `'${u.user}'@'${APP_USER_HOST}' (${u.role}): ${ROLE_GRANTS[u.role].map((g) => `${g.privileges} on ${g.table}`).join('; ')}`;
}

/**
 * Runs the user's statements. mysql2 errors carry the SQL text with the parameters filled in, so an
 * error is rethrown with only the server's message, the password masked.
 */
export async function provisionUser(conn: mysql.Connection, u: AppUser, database: string): Promise<void> {
  for (const st of userStatements(u, database)) {
    try {
      await conn.query(st.sql, st.params);
    } catch (err) {
      const e = err as { code?: string; sqlMessage?: string; message: string };
      const text = (e.sqlMessage ?? e.message).split(u.password).join('***');
      // No `cause`: it would carry the SQL with the password, and Node prints causes when uncaught.
      throw new MarqueeError('DATABASE', `could not set up the ${u.role} user '${u.user}': ${e.code ?? 'error'} ${text}`);
    }
  }
}
