// Pure parts of the migration step: the users' statements, its config, the schema check.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { loadMigrateConfig } from '../db/migrate-config.ts';
import { migrationFiles, migrationLockName } from '../db/migrate.ts';
import { schemaStatusFrom } from '../db/schema-check.ts';
import { userStatements } from '../db/users.ts';

describe('userStatements', () => {
  it('creates, rotates, revokes, then grants the inference role only INSERT on reccom', () => {
    const st = userStatements({ role: 'inference', user: 'inf', password: 'pw' }, 'marquee');
    expect(st.map((s) => s.sql)).toEqual([
      'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?',
      'ALTER USER ?@? IDENTIFIED BY ?',
      'REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?',
      'GRANT INSERT ON `marquee`.`reccom` TO ?@?',
      'GRANT SELECT ON `marquee`.`schema_migrations` TO ?@?',
    ]);
    expect(st[0]!.params).toEqual(['inf', '%', 'pw']);
    // The password is a parameter only, never part of the SQL text.
    expect(st.some((s) => s.sql.includes('pw'))).toBe(false);
  });

  it('gives the pipeline SELECT and INSERT on tracking and nothing on reccom', () => {
    const grants = userStatements({ role: 'pipeline', user: 'pipe', password: 'x' }, 'db').slice(3).map((s) => s.sql);
    expect(grants).toEqual(['GRANT SELECT, INSERT ON `db`.`tracking` TO ?@?', 'GRANT SELECT ON `db`.`schema_migrations` TO ?@?']);
  });

  it('gives the provenance reader SELECT only', () => {
    const grants = userStatements({ role: 'provenance', user: 'ro', password: 'x' }, 'db').slice(3).map((s) => s.sql);
    expect(grants.every((g) => g.startsWith('GRANT SELECT ON'))).toBe(true);
    expect(grants).toHaveLength(3);
  });
});

describe('loadMigrateConfig', () => {
  it('defaults to root on 127.0.0.1 with no application users', () => {
    expect(loadMigrateConfig({})).toEqual({
      admin: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test', timeouts: { connectMs: 2_000, queryMs: 5_000 } },
      users: [],
      waitMs: 60_000,
    });
  });

  it('collects the users whose name and password are given', () => {
    const c = loadMigrateConfig({
      MYSQL_DATABASE: 'marquee',
      MYSQL_INFERENCE_USER: 'marquee_inference',
      MYSQL_INFERENCE_PASSWORD: 'a',
      MYSQL_PIPELINE_USER: 'marquee_pipeline',
      MYSQL_PIPELINE_PASSWORD: 'b',
    });
    expect(c.users).toEqual([
      { role: 'inference', user: 'marquee_inference', password: 'a' },
      { role: 'pipeline', user: 'marquee_pipeline', password: 'b' },
    ]);
  });

  it('names the missing half of a user, the admin clash and a shared user', () => {
    const err = catchConfig({
      MYSQL_INFERENCE_USER: 'inf',
      MYSQL_PIPELINE_PASSWORD: 'b',
      MYSQL_PROVENANCE_USER: 'root',
      MYSQL_PROVENANCE_PASSWORD: 'c',
    });
    expect(err.message).toMatch(/MYSQL_INFERENCE_PASSWORD: required/);
    expect(err.message).toMatch(/MYSQL_PIPELINE_USER: required/);
    expect(err.message).toMatch(/MYSQL_PROVENANCE_USER: must differ from MYSQL_ADMIN_USER/);
    const shared = catchConfig({ MYSQL_INFERENCE_USER: 'app', MYSQL_INFERENCE_PASSWORD: 'a', MYSQL_PIPELINE_USER: 'app', MYSQL_PIPELINE_PASSWORD: 'b' });
    expect(shared.message).toMatch(/MYSQL_PIPELINE_USER: 'app' is also MYSQL_INFERENCE_USER/);
  });

  it('refuses a user name that is not plain', () => {
    expect(() => loadMigrateConfig({ MYSQL_INFERENCE_USER: "x'; DROP", MYSQL_INFERENCE_PASSWORD: 'a' })).toThrow(/MYSQL_INFERENCE_USER/);
  });
});

describe('schema check and lock name', () => {
  it('reports the missing migrations by name', () => {
    expect(schemaStatusFrom(['001_a.sql', '002_b.sql'], ['001_a.sql', '002_b.sql'])).toEqual({ ok: true });
    expect(schemaStatusFrom(['001_a.sql', '002_b.sql'], ['001_a.sql'])).toEqual({ ok: false, reason: 'the schema lacks migration 002_b.sql' });
  });

  it('lists the shipped migrations in order', () => {
    const files = migrationFiles();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect([...files].sort()).toEqual(files);
  });

  it('makes a lock name within MySQL 64 characters, distinct per database', () => {
    const a = migrationLockName('x'.repeat(64));
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(migrationLockName('y'));
  });
});

function catchConfig(source: Record<string, string>): ConfigError {
  try {
    loadMigrateConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
