// MySQL settings from the environment: the timeouts have defaults, and a bad value names its variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { mysqlSettingsFromEnv } from '../db/connection.ts';

describe('mysqlSettingsFromEnv', () => {
  it('bounds connecting and every statement by default', () => {
    expect(mysqlSettingsFromEnv({}).timeouts).toEqual({ connectMs: 2_000, queryMs: 5_000 });
  });

  it('reads MYSQL_CONNECT_TIMEOUT_MS and MYSQL_QUERY_TIMEOUT_MS', () => {
    const s = mysqlSettingsFromEnv({ MYSQL_CONNECT_TIMEOUT_MS: '750', MYSQL_QUERY_TIMEOUT_MS: '30000' });
    expect(s.timeouts).toEqual({ connectMs: 750, queryMs: 30_000 });
  });

  it('refuses a value that is not a whole number of milliseconds, or one too small to mean a timeout, naming it', () => {
    expect(() => mysqlSettingsFromEnv({ MYSQL_QUERY_TIMEOUT_MS: 'soon' })).toThrow(/MYSQL_QUERY_TIMEOUT_MS: /);
    expect(() => mysqlSettingsFromEnv({ MYSQL_CONNECT_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => mysqlSettingsFromEnv({ MYSQL_CONNECT_TIMEOUT_MS: '0' })).toThrow(/MYSQL_CONNECT_TIMEOUT_MS: /);
    expect(() => mysqlSettingsFromEnv({ MYSQL_QUERY_TIMEOUT_MS: '2.5' })).toThrow(/MYSQL_QUERY_TIMEOUT_MS: /);
  });
});
