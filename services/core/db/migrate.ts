// Applies the SQL files in ./migrations in name order, each once, recorded in schema_migrations.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { MysqlSettings } from './connection.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(s: MysqlSettings, dir = MIGRATIONS_DIR): Promise<string[]> {
  const conn = await mysql.createConnection({ ...s, multipleStatements: true });
  try {
    await conn.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(255) PRIMARY KEY, applied_at DATETIME(3) NOT NULL)',
    );
    const [rows] = await conn.query('SELECT name FROM schema_migrations');
    const done = new Set((rows as { name: string }[]).map((r) => r.name));
    const applied: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      if (done.has(file)) continue;
      await conn.query(readFileSync(join(dir, file), 'utf8'));
      await conn.query('INSERT INTO schema_migrations (name, applied_at) VALUES (?, UTC_TIMESTAMP(3))', [file]);
      applied.push(file);
    }
    return applied;
  } finally {
    await conn.end();
  }
}

/** Creates a database if it is missing (tests use one throw-away database per suite). */
export async function ensureDatabase(s: MysqlSettings): Promise<void> {
  const conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${s.database.replace(/`/g, '')}\``);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(s: MysqlSettings): Promise<void> {
  const conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${s.database.replace(/`/g, '')}\``);
  } finally {
    await conn.end();
  }
}
