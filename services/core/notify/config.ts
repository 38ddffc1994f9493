// Notification channels from the environment. Every channel is optional: an unset SMTP_HOST or
// SLACK_WEBHOOK_URL turns that channel off. Secrets (SMTP_PASSWORD, the webhook URL) are never echoed.
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../config.ts';

export const notifyEnvShape = {
  SMTP_HOST: env.optionalString(),
  SMTP_PORT: env.port(587),
  SMTP_USER: env.optionalString(),
  SMTP_PASSWORD: env.optionalString(),
  SMTP_SECURE: env.bool(false),
  ALERT_EMAIL_FROM: z.email('must be an email address').optional(),
  /** Comma-separated recipients. */
  ALERT_EMAIL_TO: env.optionalString(),
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Upper bound for one notifier's delivery. */
  NOTIFY_TIMEOUT_MS: env.int(10_000, 100),
};

export interface EmailConfig {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  from: string;
  to: string[];
}

export interface NotifyConfig {
  email?: EmailConfig;
  slack?: { webhookUrl: string };
  timeoutMs: number;
}

const emailList = z.array(z.email());

export function notifyConfigFromEnv(source: Record<string, string | undefined> = process.env): NotifyConfig {
  const c = loadConfig(notifyEnvShape, source);
  const issues: string[] = [];
  let email: EmailConfig | undefined;
  if (c.SMTP_HOST) {
    const to = (c.ALERT_EMAIL_TO ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (to.length === 0) issues.push('ALERT_EMAIL_TO: required when SMTP_HOST is set (comma-separated addresses)');
    else if (!emailList.safeParse(to).success) issues.push('ALERT_EMAIL_TO: must be comma-separated email addresses');
    if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD)) issues.push('SMTP_USER and SMTP_PASSWORD: set both or neither');
    email = {
      host: c.SMTP_HOST,
      port: c.SMTP_PORT,
      secure: c.SMTP_SECURE,
      auth: c.SMTP_USER && c.SMTP_PASSWORD ? { user: c.SMTP_USER, pass: c.SMTP_PASSWORD } : undefined,
      from: c.ALERT_EMAIL_FROM ?? 'marquee@localhost',
      to,
    };
  }
  if (issues.length) throw new ConfigError(issues);
  return { email, slack: c.SLACK_WEBHOOK_URL ? { webhookUrl: c.SLACK_WEBHOOK_URL } : undefined, timeoutMs: c.NOTIFY_TIMEOUT_MS };
}
