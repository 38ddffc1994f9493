// Pure rendering of a Notification for each channel.
import type { FieldValue, Notification, NotificationLevel } from './types.ts';

const ICON: Record<NotificationLevel, string> = { success: '✅', failure: '❌', info: 'ℹ️' };
const SLACK_COLOUR: Record<NotificationLevel, string> = { success: '#2eb67d', failure: '#e01e5a', info: '#4a7bd0' };
const EMAIL_TAG: Record<NotificationLevel, string> = { success: 'OK', failure: 'FAILED', info: 'INFO' };

/** Field values as people read them: numbers rounded to 4 significant decimals, booleans as yes/no. */
export function formatValue(v: FieldValue): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
  return v;
}

export function fieldEntries(fields: Notification['fields']): Array<[string, string]> {
  return Object.entries(fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, formatValue(v)]);
}

export interface EmailContent {
  subject: string;
  text: string;
}

export function formatEmail(n: Notification, product = 'Marquee'): EmailContent {
  const entries = fieldEntries(n.fields);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  const table = entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n');
  return {
    subject: `[${product}] ${EMAIL_TAG[n.level]}: ${n.subject}`,
    text: `${n.text}\n${table ? `\n${table}\n` : ''}`,
  };
}

export interface SlackPayload {
  text: string;
  attachments: Array<{
    color: string;
    fallback: string;
    text: string;
    fields: Array<{ title: string; value: string; short: boolean }>;
  }>;
}

/** Incoming-webhook JSON: a one-line `text` (what phones show) plus a coloured attachment with the facts. */
export function formatSlack(n: Notification): SlackPayload {
  const entries = fieldEntries(n.fields);
  return {
    text: `${ICON[n.level]} ${n.subject}`,
    attachments: [
      {
        color: SLACK_COLOUR[n.level],
        fallback: `${n.subject}: ${n.text}`,
        text: n.text,
        fields: entries.map(([title, value]) => ({ title, value, short: value.length <= 40 })),
      },
    ],
  };
}
