// Builds the configured channels and fans a notification out to them. Delivery problems are logged
// and returned, never thrown: a broken mail server must not fail a pipeline run or a release.
import type { Logger } from '../logger.ts';
import type { NotifyConfig } from './config.ts';
import { createEmailNotifier } from './email.ts';
import { createSlackNotifier } from './slack.ts';
import type { Notification, Notifier } from './types.ts';

export function createNotifiers(config: NotifyConfig, logger: Logger): Notifier[] {
  const notifiers: Notifier[] = [];
  if (config.email) notifiers.push(createEmailNotifier(config.email, config.timeoutMs));
  else logger.info('email notifications off (SMTP_HOST unset)');
  if (config.slack) notifiers.push(createSlackNotifier(config.slack.webhookUrl, config.timeoutMs));
  else logger.info('Slack notifications off (SLACK_WEBHOOK_URL unset)');
  return notifiers;
}

export interface Delivery {
  channel: string;
  ok: boolean;
  error?: string;
}

export async function notifyAll(
  notifiers: Notifier[],
  n: Notification,
  logger: Logger,
  timeoutMs = 15_000,
): Promise<Delivery[]> {
  return Promise.all(
    notifiers.map(async (notifier): Promise<Delivery> => {
      try {
        await withTimeout(notifier.notify(n), timeoutMs, `${notifier.name} did not answer within ${timeoutMs} ms`);
        logger.info('notification sent', { channel: notifier.name, level: n.level, subject: n.subject });
        return { channel: notifier.name, ok: true };
      } catch (err) {
        const error = (err as Error).message;
        logger.error('notification failed', { channel: notifier.name, subject: n.subject, error });
        return { channel: notifier.name, ok: false, error };
      }
    }),
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
