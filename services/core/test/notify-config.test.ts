import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { notifyConfigFromEnv } from '../notify/config.ts';

const configError = (env: Record<string, string>): ConfigError => {
  try {
    notifyConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('notifyConfigFromEnv', () => {
  it('turns both channels off when nothing is set', () => {
    expect(notifyConfigFromEnv({})).toEqual({ email: undefined, slack: undefined, timeoutMs: 10_000 });
  });

  it('reads SMTP and Slack settings', () => {
    const c = notifyConfigFromEnv({
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      SMTP_USER: 'bot',
      SMTP_PASSWORD: 'pw',
      ALERT_EMAIL_FROM: 'bot@example.com',
      ALERT_EMAIL_TO: 'a@example.com, b@example.com',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
    });
    expect(c.email).toEqual({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      auth: { user: 'bot', pass: 'pw' },
      from: 'bot@example.com',
      to: ['a@example.com', 'b@example.com'],
    });
    expect(c.slack).toEqual({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' });
  });

  it('names each bad variable and never echoes a secret', () => {
    const err = configError({ SMTP_HOST: 'smtp', SMTP_USER: 'bot', ALERT_EMAIL_TO: 'not-an-address' });
    expect(err.message).toMatch(/ALERT_EMAIL_TO: must be comma-separated email addresses/);
    expect(err.message).toMatch(/SMTP_USER and SMTP_PASSWORD: set both or neither/);
    const secret = 'ftp://hooks.example/T0/B0/secret-token-123';
    const slack = configError({ SLACK_WEBHOOK_URL: secret, SMTP_PORT: '99999' });
    expect(slack.message).toMatch(/SLACK_WEBHOOK_URL: must be an http\(s\) URL/);
    expect(slack.message).toMatch(/SMTP_PORT/);
    expect(slack.message).not.toContain('secret-token-123');
  });

  it('requires recipients when SMTP is configured', () => {
    expect(configError({ SMTP_HOST: 'smtp' }).message).toMatch(/ALERT_EMAIL_TO: required when SMTP_HOST is set/);
  });
});
