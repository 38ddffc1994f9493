// The migration step against the real MariaDB: a fresh database is created and migrated, the
// application users get exactly their role's rights, passwords rotate, and concurrent runs apply
// each migration once. Throw-away database and users, dropped afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMysql, createPool, mysqlSettingsFromEnv, type MysqlSettings } from '../db/connection.ts';
import { runMigrateStep } from '../db/migrate-cli.ts';
import type { MigrateConfig } from '../db/migrate-config.ts';
import { applyMigrations, dropDatabase, ensureDatabase, MIGRATIONS_DIR, migrationFiles } from '../db/migrate.ts';
import { checkSchema } from '../db/schema-check.ts';
import type { AppUser } from '../db/users.ts';
import { silentLogger } from '../logger.ts';
import { dropTestUser } from '../testing/mysql.ts';

const REPO = join(import.meta.dirname, '../../..');
const root = mysqlSettingsFromEnv();
const hex = () => randomBytes(4).toString('hex');
const databases: MysqlSettings[] = [];
const userNames: string[] = [];

function freshConfig(users: AppUser[] = []): MigrateConfig {
  const admin = { ...root, database: `marquee_mig_${hex()}` };
  databases.push(admin);
  userNames.push(...users.map((u) => u.user));
  return { admin, users, waitMs: 5_000 };
}

afterAll(async () => {
  for (const u of userNames) await dropTestUser(root, u);
  for (const d of databases) await dropDatabase(d);
});

/** The server's error code for `sql` run as `s`, or 'ok'. */
async function attempt(s: MysqlSettings, sql: string, params: unknown[] = []): Promise<string> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await connectMysql(s);
    await conn.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  } finally {
    await conn?.end();
  }
}

const reccomRow = "INSERT INTO reccom (request_id, version_number, user_id, served_at, track, status, latency_ms, result) VALUES ('r1', '1', 7, UTC_TIMESTAMP(3), 'stable', 200, 1.5, 'a,b')";
const trackingRow = "INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, data_md5, model_md5, rating_count) VALUES (1, UTC_TIMESTAMP(), UTC_TIMESTAMP(), 0.9, REPEAT('a', 32), REPEAT('b', 32), 10)";

describe('npm run migrate (runMigrateStep)', () => {
  const users: AppUser[] = [
    { role: 'inference', user: `mq_inf_${hex()}`, password: `p-${hex()}` },
    { role: 'pipeline', user: `mq_pipe_${hex()}`, password: `p-${hex()}` },
    { role: 'provenance', user: `mq_prov_${hex()}`, password: `p-${hex()}` },
  ];
  const cfg = freshConfig(users);
  const as = (u: AppUser): MysqlSettings => ({ ...cfg.admin, user: u.user, password: u.password });
  const [inference, pipeline, provenance] = users as [AppUser, AppUser, AppUser];

  it('creates the database, applies every migration and the services see the schema', async () => {
    const { applied } = await runMigrateStep(cfg, silentLogger);
    expect(applied).toEqual(migrationFiles());
    const pool = createPool(as(inference));
    try {
      expect(await checkSchema(pool)).toEqual({ ok: true });
    } finally {
      await pool.end();
    }
  });

  it('lets the inference user insert reccom rows and nothing else', async () => {
    expect(await attempt(as(inference), reccomRow)).toBe('ok');
    expect(await attempt(as(inference), trackingRow)).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await attempt(as(inference), 'DROP TABLE reccom')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await attempt(as(inference), 'CREATE TABLE evil (id INT)')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await attempt(as(inference), 'DELETE FROM reccom')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  });

  it('lets the pipeline user write and read tracking but not drop it or touch reccom', async () => {
    expect(await attempt(as(pipeline), trackingRow)).toBe('ok');
    expect(await attempt(as(pipeline), 'SELECT MAX(version_number) FROM tracking')).toBe('ok');
    expect(await attempt(as(pipeline), 'DROP TABLE tracking')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await attempt(as(pipeline), reccomRow)).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await attempt(as(pipeline), 'SELECT * FROM reccom')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  });

  it('lets the provenance user read tracking and reccom, and write nothing', async () => {
    expect(await attempt(as(provenance), 'SELECT * FROM reccom JOIN tracking')).toBe('ok');
    expect(await attempt(as(provenance), reccomRow)).toBe('ER_TABLEACCESS_DENIED_ERROR');
  });

  it('is idempotent, rotates passwords and takes back rights a user no longer needs', async () => {
    const rotated = { ...inference, password: `p-${hex()}` };
    // A right granted by hand is revoked by the next run: the role is the whole truth.
    const admin = await connectMysql(cfg.admin);
    await admin.query('GRANT DELETE ON reccom TO ?@?', [inference.user, '%']);
    await admin.end();
    const { applied } = await runMigrateStep({ ...cfg, users: [rotated, pipeline, provenance] }, silentLogger);
    expect(applied).toEqual([]);
    expect(await attempt(as(inference), 'SELECT 1')).toBe('ER_ACCESS_DENIED_ERROR');
    // A new request id: (request_id, replica) is unique since migration 004.
    expect(await attempt(as(rotated), reccomRow.replace("'r1'", "'r2'"))).toBe('ok');
    expect(await attempt(as(rotated), 'DELETE FROM reccom')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  });
});

describe('concurrent migration runs', () => {
  it('apply each migration exactly once', async () => {
    const cfg = freshConfig();
    const runs = await Promise.all([runMigrateStep(cfg, silentLogger), runMigrateStep(cfg, silentLogger), runMigrateStep(cfg, silentLogger)]);
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(migrationFiles());
    const conn = await connectMysql(cfg.admin);
    try {
      const [rows] = await conn.query('SELECT name, COUNT(*) AS n FROM schema_migrations GROUP BY name ORDER BY name');
      expect(rows).toEqual(migrationFiles().map((name) => ({ name, n: 1 })));
    } finally {
      await conn.end();
    }
  });
});

const BEFORE_003 = '002_reccom_drop_version_index.sql';

/** A database migrated only up to `last` (inclusive), as a server deployed before later files has it. */
async function migratedUpTo(cfg: MigrateConfig, last: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-old-migrations-'));
  for (const f of migrationFiles().filter((name) => name <= last)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  await ensureDatabase(cfg.admin);
  const conn = await connectMysql(cfg.admin, { multipleStatements: true });
  try {
    await applyMigrations(conn, dir);
  } finally {
    await conn.end();
  }
}

async function columnTypes(s: MysqlSettings): Promise<unknown[]> {
  const conn = await connectMysql(s);
  try {
    const [rows] = await conn.query(
      `SELECT table_name AS t, column_type AS type, character_set_name AS charset, collation_name AS coll, is_nullable AS nullable
         FROM information_schema.columns
        WHERE table_schema = ? AND column_name = 'version_number' ORDER BY table_name`,
      [s.database],
    );
    return (rows as Record<string, unknown>[]).map((r) => ({ ...r }));
  } finally {
    await conn.end();
  }
}

describe('migration 003: one model version type in tracking and reccom', () => {
  it('converts the rows of a database deployed with INT and VARCHAR versions, and they join by plain equality', async () => {
    const cfg = freshConfig();
    await migratedUpTo(cfg, BEFORE_003);
    const conn = await connectMysql(cfg.admin);
    try {
      for (const v of [1, 2, 12]) await conn.query(trackingRow.replace('VALUES (1,', `VALUES (${v},`));
      for (const [id, v] of [['r-1', '1'], ['r-12', '12'], ['r-s', 'sample'], ['r-2', '2']]) {
        await conn.query(reccomRow.replace("'r1', '1'", `'${id}', '${v}'`));
      }
    } finally {
      await conn.end();
    }

    const { applied } = await runMigrateStep(cfg, silentLogger);
    expect(applied).toEqual(migrationFiles().filter((f) => f > BEFORE_003));
    expect(applied[0]).toMatch(/^003_/);
    const column = { type: 'varchar(64)', charset: 'ascii', coll: 'ascii_bin', nullable: 'NO' };
    expect(await columnTypes(cfg.admin)).toEqual([
      { t: 'reccom', ...column },
      { t: 'tracking', ...column },
    ]);

    const check = await connectMysql(cfg.admin);
    try {
      const [joined] = await check.query(
        `SELECT reccom.request_id AS r, tracking.version_number AS v FROM reccom
           LEFT JOIN tracking ON reccom.version_number = tracking.version_number ORDER BY reccom.request_id`,
      );
      // Every row kept; '1' joins version 1 (not 12), the untracked 'sample' joins nothing.
      expect(joined).toEqual([
        { r: 'r-1', v: '1' },
        { r: 'r-12', v: '12' },
        { r: 'r-2', v: '2' },
        { r: 'r-s', v: null },
      ]);
      const [tracked] = await check.query('SELECT version_number AS v FROM tracking ORDER BY CHAR_LENGTH(version_number), version_number');
      expect(tracked).toEqual([{ v: '1' }, { v: '2' }, { v: '12' }]);
    } finally {
      await check.end();
    }
  });

  it('stops, changing nothing, when a stored version could not be kept exactly', async () => {
    const cfg = freshConfig();
    await migratedUpTo(cfg, BEFORE_003);
    const conn = await connectMysql(cfg.admin);
    try {
      await conn.query(reccomRow.replace("'r1', '1'", "'r-x', 'modèle'"));
    } finally {
      await conn.end();
    }
    await expect(runMigrateStep(cfg, silentLogger)).rejects.toThrow(/version_number/);
    const check = await connectMysql(cfg.admin);
    try {
      const [rows] = await check.query('SELECT version_number AS v FROM reccom');
      expect(rows).toEqual([{ v: 'modèle' }]);
      const [applied] = await check.query("SELECT name FROM schema_migrations WHERE name LIKE '003%'");
      expect(applied).toEqual([]);
    } finally {
      await check.end();
    }
  });
});

describe('the migrate CLI', () => {
  it('reads a password from MYSQL_*_PASSWORD_FILE and never prints it', async () => {
    const cfg = freshConfig();
    const user = `mq_cli_${hex()}`;
    userNames.push(user);
    const password = `secret-${hex()}`;
    const dir = mkdtempSync(join(tmpdir(), 'marquee-migrate-'));
    writeFileSync(join(dir, 'pw'), `${password}\n`);
    const { code, output } = await runCli({
      MYSQL_HOST: cfg.admin.host,
      MYSQL_PORT: String(cfg.admin.port),
      MYSQL_DATABASE: cfg.admin.database,
      MYSQL_ADMIN_USER: cfg.admin.user,
      MYSQL_ADMIN_PASSWORD: cfg.admin.password,
      MYSQL_PIPELINE_USER: user,
      MYSQL_PIPELINE_PASSWORD_FILE: join(dir, 'pw'),
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/migrations applied/);
    expect(output).toMatch(new RegExp(`user ready .*${user}`));
    expect(output).not.toContain(password);
    expect(await attempt({ ...cfg.admin, user, password }, trackingRow)).toBe('ok');
  });

  it('exits 2 naming the variable for a bad configuration', async () => {
    const { code, output } = await runCli({ MYSQL_INFERENCE_USER: 'x', MYSQL_INFERENCE_PASSWORD_FILE: '/nonexistent/pw' });
    expect(code).toBe(2);
    expect(output).toMatch(/MYSQL_INFERENCE_PASSWORD_FILE: cannot read/);
  });
});

function runCli(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/core/db/migrate-cli.ts'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
