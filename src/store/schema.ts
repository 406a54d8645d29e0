import type { Generated } from 'kysely';

/** Times are epoch milliseconds: one representation that SQLite and PostgreSQL compare the same way. */
export interface Database {
  pending_writes: {
    id: string;
    tenant_key: string;
    team_id: string;
    user_id: string;
    channel_id: string | null;
    plan: string;
    state: 'pending' | 'running' | 'done' | 'failed' | 'unknown' | 'cancelled';
    created_at: number;
    expires_at: number;
    finished_at: number | null;
    /** TokenUsage as JSON, or null. */
    usage: string | null;
  };
  tenant_connections: {
    tenant_key: string;
    connection_id: string;
    state: string;
    catalog: string | null;
    catalog_fetched_at: number | null;
    updated_at: number;
  };
  /** Per tenant, across connections: the address an admin gave, the doctor's findings (CrmFindings as JSON). */
  tenant_profiles: {
    tenant_key: string;
    team_id: string;
    site_url: string | null;
    findings: string | null;
    /** The connection the doctor last checked on its own (once per connection). */
    auto_checked_connection_id: string | null;
    updated_at: number;
  };
  processed_events: {
    event_id: string;
    received_at: number;
  };
  audit_log: {
    id: string;
    tenant_key: string;
    team_id: string;
    user_id: string;
    action: string;
    input: string;
    outcome: string;
    detail: string | null;
    /** TokenUsage as JSON, or null. */
    usage: string | null;
    at: number;
  };
  conversation_turns: {
    /** Auto-assigned on insert; orders turns that share an `at`. */
    id: Generated<number>;
    thread_key: string;
    tenant_key: string;
    role: 'user' | 'assistant';
    text: string;
    /** RecordRef[] as JSON, or null when the turn showed no records. */
    records: string | null;
    at: number;
  };
  /**
   * Alert subscriptions (`/espo subscribe`). `filters`: Filter[] as JSON; `dm`: 1 when alerts go to the subscriber's
   * DM.
   */
  alert_subscriptions: {
    id: string;
    tenant_key: string;
    team_id: string;
    channel_id: string;
    user_id: string;
    dm: number;
    entity: string;
    event: string;
    field: string | null;
    filters: string;
    created_at: number;
  };
  /** EspoCRM webhooks the bot registered, one per event per tenant. The secret key signs EspoCRM's batches. */
  alert_webhooks: {
    tenant_key: string;
    event: string;
    webhook_id: string;
    secret_key: string;
    created_at: number;
  };
  /** Per tenant: webhooks or polling (and why), the receiver URL's opaque token, the polling cursor and lease. */
  alert_delivery: {
    tenant_key: string;
    team_id: string;
    user_id: string;
    mode: 'webhook' | 'polling';
    reason: string | null;
    token: string;
    /** Record<entity, {at, ids}> as JSON, or null. */
    poll_cursor: string | null;
    lease_until: number;
    updated_at: number;
  };
  /** Alert keys already handled (redeliveries, other instances); pruned after two hours. */
  seen_alerts: {
    alert_key: string;
    seen_at: number;
  };
  /**
   * What was last seen of one record through one `scope`: `webhook:<id>` (the item digests of the
   * last batch that carried it: a redelivery repeats them) or `poll:<entity>` (its watched fields'
   * values). Pruned by age: two hours for webhooks, longer for polling.
   */
  alert_record_state: {
    tenant_key: string;
    scope: string;
    record_id: string;
    state: string;
    seen_at: number;
  };
  /** Scheduled digests (`/espo digest`). `personal`: 1 for a person's own (then `channel_id` is their user id). */
  digests: {
    id: string;
    tenant_key: string;
    team_id: string;
    channel_id: string;
    /** Who scheduled it. */
    user_id: string;
    personal: number;
    crm_user_id: string | null;
    /** `HH:MM`, local to `time_zone`. */
    time: string;
    days: 'daily' | 'weekdays';
    time_zone: string;
    /** 1: the first digest of each week has the pipeline (0 by default: older digests have none). */
    pipeline: Generated<number>;
    next_run_at: number;
    /** Set while an instance sends it: nobody else claims it before then. */
    lease_until: number | null;
    last_sent_at: number | null;
    /** Failed attempts at the current occurrence. */
    failures: number;
    created_at: number;
  };
  slack_installations: {
    /** The enterprise id for an org-wide install, else the team id. */
    install_key: string;
    /** Bolt's Installation as JSON. It holds the workspace's tokens: never logged, never sent anywhere. */
    installation: string;
    installed_at: number;
    updated_at: number;
  };
}
