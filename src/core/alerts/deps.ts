import type { PersonDirectory } from '../people.js';
import type { Clock, CrmGateway, EntityDirectory, Logger, Tenant } from '../ports.js';
import type { AlertSink, AlertStore, RecordHistory, RecordWebhooks } from './ports.js';

/** What the alert service, and so each of its parts, is built from. */
export interface AlertServiceDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  /** EspoCRM users by Slack email (`to=me`, "Assign to me"): the app's one directory. */
  people: PersonDirectory;
  /** The CRM's webhooks: the events a rule needs, registering and removing them. */
  webhooks: RecordWebhooks;
  /** The CRM's record history: the old values an update alert shows. */
  history: RecordHistory;
  store: AlertStore;
  sink: AlertSink;
  clock: Clock;
  logger: Logger;
  /** The bot's public base URL (PUBLIC_URL); without it EspoCRM cannot reach the bot, so tenants poll. */
  publicUrl?: string;
  pollSeconds: number;
  /** More alerts than this for one subscription in one batch become one summary message. */
  summaryAfter?: number;
}

/** The tenant a stored subscription, webhook or delivery state belongs to. */
export function tenantOf(row: { tenantKey: string; teamId: string; userId: string }): Tenant {
  return { key: row.tenantKey, teamId: row.teamId, userId: row.userId };
}
