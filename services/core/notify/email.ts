// Email notifier over SMTP (nodemailer).
import nodemailer from 'nodemailer';
import type { EmailConfig } from './config.ts';
import { formatEmail } from './format.ts';
import type { Notifier } from './types.ts';

export function createEmailNotifier(cfg: EmailConfig, timeoutMs = 10_000): Notifier {
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    auth: cfg.auth,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    name: 'email',
    async notify(n) {
      const { subject, text } = formatEmail(n);
      await transport.sendMail({ from: cfg.from, to: cfg.to, subject, text });
    },
  };
}
