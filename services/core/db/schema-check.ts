// Services do not migrate (their users cannot change the schema); at start they only check that the
// migration step (`npm run migrate`) has run: every migration file is in schema_migrations.
import type mysql from 'mysql2/promise';
import { MIGRATIONS_DIR, migrationFiles } from './migrate.ts';

export const MIGRATE_HINT = 'run `npm run migrate` (the migration step) against this database';

export type SchemaStatus = { ok: true } | { ok: false; reason: string };

/** Pure: which expected migrations are missing from the applied ones. */
export function schemaStatusFrom(expected: string[], applied: string[]): SchemaStatus {
  const have = new Set(applied);
  const missing = expected.filter((f) => !have.has(f));
  if (!missing.length) return { ok: true };
  return { ok: false, reason: `the schema lacks migration${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
}

/** Reads schema_migrations (needs only SELECT on it); MySQL errors come back as a reason, not thrown. */
export async function checkSchema(db: Pick<mysql.Pool, 'query'>, dir = MIGRATIONS_DIR): Promise<SchemaStatus> {
  let applied: string[];
  try {
    const [rows] = await db.query('SELECT name FROM schema_migrations');
    applied = (rows as { name: string }[]).map((r) => r.name);
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'ER_NO_SUCH_TABLE') return { ok: false, reason: 'the database has no schema_migrations table (never migrated)' };
    return { ok: false, reason: `cannot read schema_migrations: ${e.message}` };
  }
  return schemaStatusFrom(migrationFiles(dir), applied);
}
