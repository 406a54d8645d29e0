import type { CrmRecord, EntityInfo, Filter } from '../ports.js';

// The plain data of alerts, as the store, replies and rendering see it: no behaviour, and no
// imports beyond core's shared types, so any file may use it without pulling the service in.

export type AlertEvent = 'created' | 'updated' | 'deleted' | 'assigned';

/** What a subscription asks to be told about, as stored. */
export interface AlertRule {
  entity: string;
  event: AlertEvent;
  /** `updated` of one field only (an EspoCRM field name such as `stage`, never an attribute like `stageId`). */
  field?: string;
  filters: Filter[];
}

/**
 * One thing that happened to one record. From a webhook: the event the CRM named (EspoCRM's
 * `Lead.create`, `Opportunity.update`, `Opportunity.fieldUpdate.stage`, `Case.delete`) and its
 * payload. From polling: only created or updated, told apart by `createdAt` and `modifiedAt`.
 */
export interface CrmChange {
  entity: string;
  kind: 'created' | 'updated' | 'deleted';
  /** The field of a `fieldUpdate.<field>` webhook. */
  field?: string;
  recordId: string;
  /** The attributes EspoCRM sent: all of them on create, the changed ones on update, the id on delete. */
  attributes: Record<string, unknown>;
  source: 'webhook' | 'polling';
  /**
   * Polling: of the fields subscriptions watch, those whose value is not the one the last poll saw
   * (or was never seen). Polling reads the record, not what changed in it.
   */
  changed?: string[];
}

/** What a webhook event says happens to which records: the entity, the kind, and the field of a field's webhook. */
export type WebhookEvent = Pick<CrmChange, 'entity' | 'kind' | 'field'>;

/** A saved subscription. Alerts go to `channelId`, or with `dm` to the subscriber (`userId`). */
export interface Subscription extends AlertRule {
  id: string;
  tenantKey: string;
  teamId: string;
  userId: string;
  channelId: string;
  dm: boolean;
  createdAt: Date;
}

/** A CRM webhook the bot registered for a tenant: one per event. */
export interface WebhookRegistration {
  tenantKey: string;
  /** The CRM's name for the event (RecordWebhooks reads it). */
  event: string;
  webhookId: string;
  secretKey: string;
  createdAt: Date;
}

/** How a tenant's alerts arrive, and the opaque token in its receiver URL. */
export interface AlertDelivery {
  tenantKey: string;
  teamId: string;
  userId: string;
  mode: 'webhook' | 'polling';
  /** Why a tenant polls, in words (no PUBLIC_URL, webhooks refused...). */
  reason?: string;
  token: string;
  /** Polling: per entity, the newest `modifiedAt` seen and the ids already handled at that second. */
  pollCursor?: Record<string, PollCursor>;
  updatedAt: Date;
}

export interface PollCursor {
  at: string;
  ids: string[];
}

export interface AlertChange {
  field: string;
  after: unknown;
  /** Present when the old value is known (EspoCRM's stream recorded it). */
  before?: { value: unknown };
}

/** One alert, ready to render: what happened to which record, and who did it. */
export interface Alert {
  entity: EntityInfo;
  kind: AlertEvent;
  record: CrmRecord;
  changes: AlertChange[];
  actor?: string;
  source: 'webhook' | 'polling';
}

export type AlertMessage =
  | { kind: 'alert'; subscription: Subscription; alert: Alert }
  /** A burst for one subscription: one message listing them. */
  | { kind: 'summary'; subscription: Subscription; alerts: Alert[] };

/** Who asks, as the alerts service needs it (a subset of RequestContext). */
export interface AlertRequester {
  teamId: string;
  userId: string;
  channelId?: string;
  email?: string;
  isGuest?: boolean;
}

export interface AlertStatus {
  mode: 'webhook' | 'polling';
  reason?: string;
  pollSeconds: number;
  subscriptions: number;
}

export interface SubscriptionView {
  id: string;
  description: string;
  dm: boolean;
  createdBy: string;
}
