// Slack notifier: one POST to an incoming webhook.
import { IncomingWebhook } from '@slack/webhook';
import { formatSlack } from './format.ts';
import type { Notifier } from './types.ts';

export function createSlackNotifier(webhookUrl: string, timeoutMs = 10_000): Notifier {
  const hook = new IncomingWebhook(webhookUrl, { timeout: timeoutMs });
  return {
    name: 'slack',
    async notify(n) {
      try {
        await hook.send(formatSlack(n));
      } catch (err) {
        // The webhook URL is the secret: never let it travel in an error message, nor in a cause.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(String((err as Error).message).split(webhookUrl).join('[webhook]'));
      }
    },
  };
}
