// Public surface of the notification channels (shared by the pipeline and the release controller).
export type { FieldValue, Notification, NotificationLevel, Notifier } from './types.ts';
export { formatEmail, formatSlack, formatValue, type EmailContent, type SlackPayload } from './format.ts';
export { notifyConfigFromEnv, notifyEnvShape, type EmailConfig, type NotifyConfig } from './config.ts';
export { createNotifiers, notifyAll, type Delivery } from './notifiers.ts';
export { createEmailNotifier } from './email.ts';
export { createSlackNotifier } from './slack.ts';
