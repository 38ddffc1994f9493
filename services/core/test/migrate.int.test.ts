// The migration step against the real MariaDB: a fresh database is created and migrated, the
// application users get exactly their role's rights, passwords rotate, and concurrent runs apply
// each migration once. Throw-away database and users, dropped afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { mysqlSettingsFromEnv, type MysqlSettings } from '../db/connection.ts';
import { runMigrateStep } from '../db/migrate-cli.ts';
import type { MigrateConfig } from '../db/migrate-config.ts';
import { dropDatabase, migrationFiles } from '../db/migrate.ts';
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
    conn = await mysql.createConnection(s);
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
    const pool = mysql.createPool(as(inference));
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
    const admin = await mysql.createConnection(cfg.admin);
    await admin.query('GRANT DELETE ON reccom TO ?@?', [inference.user, '%']);
    await admin.end();
    const { applied } = await runMigrateStep({ ...cfg, users: [rotated, pipeline, provenance] }, silentLogger);
    expect(applied).toEqual([]);
    expect(await attempt(as(inference), 'SELECT 1')).toBe('ER_ACCESS_DENIED_ERROR');
    expect(await attempt(as(rotated), reccomRow)).toBe('ok');
    expect(await attempt(as(rotated), 'DELETE FROM reccom')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  });
});

describe('concurrent migration runs', () => {
  it('apply each migration exactly once', async () => {
    const cfg = freshConfig();
    const runs = await Promise.all([runMigrateStep(cfg, silentLogger), runMigrateStep(cfg, silentLogger), runMigrateStep(cfg, silentLogger)]);
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(migrationFiles());
    const conn = await mysql.createConnection(cfg.admin);
    try {
      const [rows] = await conn.query('SELECT name, COUNT(*) AS n FROM schema_migrations GROUP BY name ORDER BY name');
      expect(rows).toEqual(migrationFiles().map((name) => ({ name, n: 1 })));
    } finally {
      await conn.end();
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
