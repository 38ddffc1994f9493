// Real receivers for the notification channels, for tests and benchmarks: an SMTP server
// (smtp-server) that requires AUTH and keeps every mail, a Slack incoming-webhook receiver, and
// the production notifiers pointed at both.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../logger.ts';
import { createNotifiers, notifyAll, notifyConfigFromEnv, type Notification } from '../notify/index.ts';

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  /** Subject and body with quoted-printable soft breaks and escapes decoded. */
  subject: string;
  body: string;
}

export interface SmtpSink {
  port: number;
  user: string;
  password: string;
  mails: Mail[];
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on an ephemeral port that requires AUTH and keeps every mail. */
export async function startSmtp(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const user = 'alerts';
  const password = 's3cret-smtp-pass';
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...decodeMail(raw),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, user, password, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function decodeMail(raw: string): { subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/m.exec(headers)?.[1] ?? '';
  let body = raw.slice(split + 4);
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
    body = Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return { subject, body: body.replace(/\r\n/g, '\n') };
}

export interface SlackSink {
  url: string;
  payloads: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A local incoming-webhook receiver: records the JSON bodies and answers `ok` like Slack. */
export async function startSlackReceiver(): Promise<SlackSink> {
  const payloads: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/services/T000/B000/XXXX' || !/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(400).end('bad request');
        return;
      }
      payloads.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    payloads,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** SMTP + Slack settings as the notification config reads them (services/core/notify/config.ts). */
export function notifyEnv(smtp: SmtpSink, slack: SlackSink): Record<string, string> {
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_USER: smtp.user,
    SMTP_PASSWORD: smtp.password,
    ALERT_EMAIL_FROM: 'pipeline@marquee.test',
    ALERT_EMAIL_TO: 'oncall@marquee.test',
    SLACK_WEBHOOK_URL: slack.url,
  };
}

/** The production notifiers (email + Slack), configured as from the environment, sending to the two sinks. */
export function sinksNotifier(smtp: SmtpSink, slack: SlackSink): { notify(n: Notification): Promise<unknown> } {
  const notifiers = createNotifiers(notifyConfigFromEnv(notifyEnv(smtp, slack)), silentLogger);
  return { notify: (n) => notifyAll(notifiers, n, silentLogger) };
}
