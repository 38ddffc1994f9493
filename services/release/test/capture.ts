// Real receivers for the alerts in integration and end-to-end tests: an SMTP server that keeps
// every message, and an HTTP server that keeps every webhook POST (what Slack would receive).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../../core/logger.ts';
import { createNotifiers, notifyAll, type Notification } from '../../core/notify/index.ts';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
}

export async function startSmtpCapture(): Promise<{ port: number; mails: CapturedMail[]; stop(): Promise<void> }> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return { port, mails, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function startWebhookCapture(): Promise<{ url: string; bodies: unknown[]; stop(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/slack`,
    bodies,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The decoded text of a captured mail (quoted-printable soft breaks and escapes undone). */
export function mailText(m: CapturedMail): string {
  return m.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The production notifiers (email + Slack webhook) pointed at the two receivers above. */
export function captureNotifier(smtp: { port: number }, hook: { url: string }): { notify(n: Notification): Promise<unknown> } {
  const notifiers = createNotifiers(
    {
      email: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'release@marquee.test', to: ['oncall@marquee.test'] },
      slack: { webhookUrl: hook.url },
      timeoutMs: 5000,
    },
    silentLogger,
  );
  return { notify: (n) => notifyAll(notifiers, n, silentLogger) };
}
