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
  slack_installations: {
    /** The enterprise id for an org-wide install, else the team id. */
    install_key: string;
    /** Bolt's Installation as JSON. It holds the workspace's tokens: never logged, never sent anywhere. */
    installation: string;
    installed_at: number;
    updated_at: number;
  };
}
