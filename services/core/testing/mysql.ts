// A throw-away, migrated database on the local MariaDB for one test suite.
import { randomBytes } from 'node:crypto';
import { mysqlSettingsFromEnv, type MysqlSettings } from '../db/connection.ts';
import { dropDatabase, ensureDatabase, migrate } from '../db/migrate.ts';

export async function createTestDatabase(prefix = 'marquee_t'): Promise<{ settings: MysqlSettings; drop: () => Promise<void> }> {
  const base = mysqlSettingsFromEnv();
  const settings = { ...base, database: `${prefix}_${randomBytes(4).toString('hex')}` };
  await ensureDatabase(settings);
  await migrate(settings);
  return { settings, drop: () => dropDatabase(settings) };
}
