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
    at: number;
  };
}
