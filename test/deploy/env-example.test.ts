// .env.example lists every variable docker-compose.yml reads, with placeholder values, and the
// real .env stays out of git.
import { describe, expect, it } from 'vitest';
import { readRepo } from './repo.ts';

function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readRepo('.env.example').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1], m[2]);
  }
  return vars;
}

describe('.env.example', () => {
  const vars = envExample();

  it('lists every variable docker-compose.yml interpolates', () => {
    const used = new Set([...readRepo('docker-compose.yml').matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((v) => !vars.has(v));
    expect(missing).toEqual([]);
  });

  it('covers the services\' settings the brief names', () => {
    for (const v of ['MYSQL_ROOT_PASSWORD', 'MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PASSWORD', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD', 'SLACK_WEBHOOK_URL', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'KAFKA_BROKERS', 'KAFKA_TOPIC', 'GATE_RMSE', 'PIPELINE_CRON', 'STABLE_MODEL_VERSION', 'CANARY_MODEL_VERSION']) {
      expect(vars.has(v), v).toBe(true);
    }
  });

  it('uses an application MySQL user, not root, and placeholder secrets', () => {
    expect(vars.get('MYSQL_USER')).not.toBe('root');
    for (const key of ['MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'SMTP_PASSWORD']) expect(vars.get(key), key).toMatch(/change-me/);
    expect(vars.get('SLACK_WEBHOOK_URL')).toMatch(/XXXX/);
  });

  it('keeps the real .env out of git', () => {
    expect(readRepo('.gitignore').split('\n')).toContain('.env');
    expect(readRepo('.dockerignore').split('\n')).toContain('.env');
  });
});
