// MySQL/MariaDB connection settings from the environment and a pool factory.
// Production points these at MySQL 8; tests at the local MariaDB with a throw-away database.
import mysql from 'mysql2/promise';
import { z } from 'zod';
import { env, loadConfig } from '../config.ts';

export const mysqlEnvShape = {
  MYSQL_HOST: env.string('127.0.0.1'),
  MYSQL_PORT: env.port(3306),
  MYSQL_USER: env.string('root'),
  MYSQL_PASSWORD: z.string().default(''),
  MYSQL_DATABASE: env.string('test'),
};

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Settings from an already-parsed config that spreads `mysqlEnvShape`. */
export function mysqlSettingsFrom(c: z.infer<z.ZodObject<typeof mysqlEnvShape>>): MysqlSettings {
  return { host: c.MYSQL_HOST, port: c.MYSQL_PORT, user: c.MYSQL_USER, password: c.MYSQL_PASSWORD, database: c.MYSQL_DATABASE };
}

export function mysqlSettingsFromEnv(source: Record<string, string | undefined> = process.env): MysqlSettings {
  return mysqlSettingsFrom(loadConfig(mysqlEnvShape, source));
}

export function createPool(s: MysqlSettings, connectionLimit = 4): mysql.Pool {
  return mysql.createPool({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectionLimit,
    connectTimeout: 2000,
    // DATETIME values are written and read as UTC.
    timezone: 'Z',
    dateStrings: false,
  });
}
