// `npm run migrate`: the one step that changes the schema. With admin credentials it creates the
// database if missing, applies the migrations (a server-wide lock makes concurrent runs safe), then
// creates or updates the application users given (users.ts). Run it before the services start;
// they only check the schema. Config: migrate-config.ts. Exit 0 done, 1 failed, 2 bad config.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { UsageError } from '../args.ts';
import { runCli } from '../cli.ts';
import { createLogger, type Logger } from '../logger.ts';
import { connectMysql } from './connection.ts';
import { applyMigrations, MIGRATION_STATEMENT_TIMEOUT_MS, withMigrationLock } from './migrate.ts';
import { loadMigrateConfig, type MigrateConfig } from './migrate-config.ts';
import { describeGrants, provisionUser } from './users.ts';

/** Connects to the server (no database yet), retrying while it is still starting. */
async function connectWhenUp(cfg: MigrateConfig, log: Logger): Promise<mysql.Connection> {
  const { host, port } = cfg.admin;
  const deadline = Date.now() + cfg.waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectMysql(cfg.admin, { noDatabase: true, multipleStatements: true, queryMs: MIGRATION_STATEMENT_TIMEOUT_MS });
    } catch (err) {
      const e = err as { code?: string; message: string };
      // Wrong credentials will not fix themselves; a server still starting will.
      if (e.code === 'ER_ACCESS_DENIED_ERROR' || Date.now() >= deadline) throw err;
      if (attempt === 1) log.info('waiting for MySQL', { host, port, error: e.message });
      await sleep(1_000);
    }
  }
}

export async function runMigrateStep(cfg: MigrateConfig, log: Logger): Promise<{ applied: string[] }> {
  const db = cfg.admin.database;
  const conn = await connectWhenUp(cfg, log);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(db)}`);
    await conn.query(`USE ${mysql.escapeId(db)}`);
    return await withMigrationLock(conn, db, async () => {
      const applied = await applyMigrations(conn);
      log.info(applied.length ? 'migrations applied' : 'schema up to date', { database: db, applied: applied.join(',') || undefined });
      for (const u of cfg.users) {
        await provisionUser(conn, u, db);
        log.info('user ready', { grants: describeGrants(u) });
      }
      return { applied };
    });
  } finally {
    await conn.end().catch(() => {});
  }
}

const USAGE = 'usage: npm run migrate   (no arguments: MYSQL_* environment variables, see services/core/db/migrate-config.ts)';

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCli('migrate', USAGE, async (argv) => {
    if (argv.length) throw new UsageError('takes no arguments; configure it with MYSQL_* environment variables');
    // Messages from users.ts are already masked; connection errors carry no password.
    await runMigrateStep(loadMigrateConfig(), createLogger('migrate'));
    return 0;
  });
}
