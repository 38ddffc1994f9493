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

  it('covers the settings a production deployment must set', () => {
    for (const v of ['MYSQL_DATABASE', 'MYSQL_INFERENCE_USER', 'MYSQL_PIPELINE_USER', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'KAFKA_BROKERS', 'KAFKA_TOPIC', 'GATE_RMSE', 'PIPELINE_CRON', 'STABLE_MODEL_VERSION', 'CANARY_MODEL_VERSION', 'SECRETS_DIR']) {
      expect(vars.has(v), v).toBe(true);
    }
  });

  it('holds no secret: passwords, keys and webhook URLs are files under SECRETS_DIR', () => {
    for (const key of vars.keys()) expect(key, key).not.toMatch(/PASSWORD|SECRET_KEY|WEBHOOK|PRIVATE_KEY/);
    for (const user of ['MYSQL_INFERENCE_USER', 'MYSQL_PIPELINE_USER']) expect(vars.get(user), user).not.toBe('root');
    const compose = readRepo('docker-compose.yml');
    const secretFiles = [...compose.matchAll(/file: \$\{SECRETS_DIR:-\.\/secrets\}\/(\w+)/g)].map((m) => m[1]);
    expect(secretFiles).toEqual(expect.arrayContaining(['mysql_root_password', 'mysql_inference_password', 'mysql_pipeline_password', 'deploy_key', 'known_hosts']));
  });

  it('keeps the real .env out of git', () => {
    expect(readRepo('.gitignore').split('\n')).toContain('.env');
    expect(readRepo('.dockerignore').split('\n')).toContain('.env');
    expect(readRepo('.gitignore').split('\n')).toContain('/secrets/');
  });
});
