// The email and Slack channels against a real SMTP server (smtp-server) and a local webhook receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { notifyConfigFromEnv } from '../notify/config.ts';
import { createNotifiers, notifyAll } from '../notify/notifiers.ts';
import type { Notification } from '../notify/types.ts';
import { notifyEnv, startSlackReceiver, startSmtp, type SlackSink, type SmtpSink } from '../testing/notify-sinks.ts';

let smtp: SmtpSink;
let slack: SlackSink;
beforeAll(async () => {
  smtp = await startSmtp();
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await smtp?.close();
  await slack?.close();
});

const note: Notification = {
  level: 'info',
  subject: 'canary promoted to stable',
  text: 'The canary met its error and latency objectives for 10 minutes.',
  fields: { version: 12, p95_ms: 84.5 },
};

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger('test', { write: (l) => lines.push(l) }) };
}

describe('notifiers', () => {
  it('deliver one email (with SMTP auth) and one webhook post', async () => {
    const { logger } = capture();
    const notifiers = createNotifiers(notifyConfigFromEnv(notifyEnv(smtp, slack)), logger);
    expect(notifiers.map((x) => x.name)).toEqual(['email', 'slack']);
    const before = { mails: smtp.mails.length, posts: slack.payloads.length };
    const result = await notifyAll(notifiers, note, logger);
    expect(result.every((d) => d.ok)).toBe(true);

    const mail = smtp.mails[before.mails];
    expect(mail.from).toBe('pipeline@marquee.test');
    expect(mail.to).toEqual(['oncall@marquee.test']);
    expect(mail.subject).toBe('[Marquee] INFO: canary promoted to stable');
    expect(mail.body).toContain('The canary met its error and latency objectives for 10 minutes.');
    expect(mail.body).toContain('p95_ms:  84.5');

    const post = slack.payloads[before.posts] as { text: string; attachments: Array<{ fields: Array<{ title: string; value: string }> }> };
    expect(post.text).toBe('ℹ️ canary promoted to stable');
    expect(post.attachments[0].fields).toContainEqual({ title: 'version', value: '12', short: true });
  });

  it('report a wrong SMTP password and a failing webhook without throwing or logging secrets', async () => {
    const failing = http.createServer((_req, res) => res.writeHead(500).end('no'));
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/services/T/B/hook-secret-42`;
    try {
      const { lines, logger } = capture();
      const env = { ...notifyEnv(smtp, slack), SMTP_PASSWORD: 'wrong-password-77', SLACK_WEBHOOK_URL: hook };
      const result = await notifyAll(createNotifiers(notifyConfigFromEnv(env), logger), note, logger);
      expect(result.map((d) => [d.channel, d.ok])).toEqual([
        ['email', false],
        ['slack', false],
      ]);
      expect(result[0].error).toMatch(/auth|credentials|535/i);
      expect(result[1].error).toMatch(/500/);
      const log = lines.join('');
      expect(log).toMatch(/notification failed channel=email/);
      expect(log).not.toContain('wrong-password-77');
      expect(log).not.toContain('hook-secret-42');
    } finally {
      await new Promise<void>((r) => failing.close(() => r()));
    }
  });

  it('give up on an SMTP server that does not answer within the timeout', async () => {
    const silent = http.createServer();
    silent.on('connection', () => {}); // accepts, never greets
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { logger } = capture();
      const cfg = notifyConfigFromEnv({
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String((silent.address() as AddressInfo).port),
        ALERT_EMAIL_TO: 'oncall@marquee.test',
        NOTIFY_TIMEOUT_MS: '300',
      });
      const [delivery] = await notifyAll(createNotifiers(cfg, logger), note, logger, 5_000);
      expect(delivery).toMatchObject({ channel: 'email', ok: false });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
