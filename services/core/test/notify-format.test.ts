import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { formatEmail, formatSlack, formatValue } from '../notify/format.ts';
import { notifyAll } from '../notify/notifiers.ts';
import type { Notification, Notifier } from '../notify/types.ts';

const n: Notification = {
  level: 'success',
  subject: 'model version 7 published',
  text: 'All good.',
  fields: { version: 7, rmse: 0.912345678, commit: 'abc123', rolled_back: false, mae: undefined, note: null },
};

describe('formatValue', () => {
  it('rounds numbers to 4 decimals, keeps integers, spells booleans and empties', () => {
    expect(formatValue(0.912345678)).toBe('0.9123');
    expect(formatValue(12)).toBe('12');
    expect(formatValue(true)).toBe('yes');
    expect(formatValue(null)).toBe('-');
    expect(formatValue('x')).toBe('x');
  });
});

describe('formatEmail', () => {
  it('tags the subject with the product and level and lists the fields under the text', () => {
    const mail = formatEmail(n);
    expect(mail.subject).toBe('[Marquee] OK: model version 7 published');
    expect(mail.text).toBe('All good.\n\nversion:     7\nrmse:        0.9123\ncommit:      abc123\nrolled_back: no\nnote:        -\n');
    expect(formatEmail({ ...n, level: 'failure', fields: undefined }).subject).toMatch(/^\[Marquee\] FAILED: /);
    expect(formatEmail({ ...n, fields: undefined }).text).toBe('All good.\n');
  });
});

describe('formatSlack', () => {
  it('builds an incoming-webhook payload with a level colour and one field per fact', () => {
    const p = formatSlack(n);
    expect(p.text).toBe('✅ model version 7 published');
    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0].color).toBe('#2eb67d');
    expect(p.attachments[0].text).toBe('All good.');
    expect(p.attachments[0].fields).toContainEqual({ title: 'rmse', value: '0.9123', short: true });
    expect(p.attachments[0].fields.map((f) => f.title)).not.toContain('mae');
    expect(formatSlack({ ...n, level: 'failure' }).attachments[0].color).toBe('#e01e5a');
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('shows long values as full-width fields', () => {
    const p = formatSlack({ ...n, fields: { error: 'x'.repeat(80) } });
    expect(p.attachments[0].fields[0].short).toBe(false);
  });
});

describe('notifyAll', () => {
  const ok = (name: string, seen: Notification[]): Notifier => ({ name, notify: async (x) => void seen.push(x) });

  it('delivers to every channel even when one throws or hangs, and never throws itself', async () => {
    const seen: Notification[] = [];
    const broken: Notifier = { name: 'email', notify: async () => Promise.reject(new Error('535 auth failed')) };
    const hanging: Notifier = { name: 'pager', notify: () => new Promise(() => {}) };
    const result = await notifyAll([broken, ok('slack', seen), hanging], n, silentLogger, 50);
    expect(seen).toEqual([n]);
    expect(result).toEqual([
      { channel: 'email', ok: false, error: '535 auth failed' },
      { channel: 'slack', ok: true },
      { channel: 'pager', ok: false, error: 'pager did not answer within 50 ms' },
    ]);
  });

  it('does nothing without channels', async () => {
    expect(await notifyAll([], n, silentLogger)).toEqual([]);
  });
});
