// A channel-independent notification. Pipeline runs and canary releases both describe what happened
// this way; each Notifier renders it for its channel (email, Slack).
export type NotificationLevel = 'success' | 'failure' | 'info';

export type FieldValue = string | number | boolean | null | undefined;

export interface Notification {
  subject: string;
  text: string;
  level: NotificationLevel;
  /** Key facts shown as a table (Slack fields, `key: value` lines in email); undefined values are left out. */
  fields?: Record<string, FieldValue>;
}

export interface Notifier {
  /** Channel name for logs, e.g. 'email', 'slack'. */
  readonly name: string;
  notify(notification: Notification): Promise<void>;
}
