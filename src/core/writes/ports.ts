/** The ports of writes: pending writes waiting for their requester's Confirm, and the audit log. */
import type { Assignee, EntityInfo, RequestContext, Requester, Tenant, TokenUsage, WritePlan } from '../ports.js';
import type { Reply } from '../replies.js';

/** A write waiting for its requester's Confirm, as stored. */
export interface PendingWrite {
  id: string;
  tenantKey: string;
  teamId: string;
  userId: string;
  channelId?: string;
  plan: WritePlan;
  createdAt: Date;
  expiresAt: Date;
  /** Model tokens spent planning this write (plain language only), carried into its audit entry. */
  usage?: TokenUsage;
}

export type ClaimOutcome =
  { ok: true; write: PendingWrite } | { ok: false; reason: 'missing' | 'expired' | 'not_yours' | 'used' };

export interface ConfirmationStore {
  save(write: PendingWrite): Promise<void>;
  /**
   * Atomically moves a pending write to `running` for its requester; at most one caller ever wins.
   * A write of another workspace is `missing`: its existence is not told across tenants.
   */
  claim(id: string, requester: Requester, now: Date): Promise<ClaimOutcome>;
  /** Cancels a pending write for its requester (same checks as claim). */
  cancel(id: string, requester: Requester, now: Date): Promise<ClaimOutcome>;
  finish(id: string, outcome: 'done' | 'failed' | 'unknown'): Promise<void>;
  /** Forgets writes that expired before `olderThan` (the audit log keeps what happened). */
  prune(olderThan: Date): Promise<number>;
}

export interface AuditEntry {
  tenantKey: string;
  teamId: string;
  userId: string;
  action: string;
  input: unknown;
  outcome: 'done' | 'failed' | 'unknown' | 'cancelled';
  detail?: string;
  usage?: TokenUsage;
  at: Date;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** A feature that carries out its own confirmed writes: alert subscriptions, digest schedules. */
export interface PlanPerformer<Kind extends WritePlan['kind']> {
  perform(tenant: Tenant, plan: Extract<WritePlan, { kind: Kind }>): Promise<Reply>;
}

/** What forms and message logs ask of the request pipeline (CommandService): its tenant rules and assignees. */
export interface RequestPipeline {
  tenantFor(context: RequestContext): Tenant;
  guardConnectLink(context: RequestContext, error: unknown): unknown;
  requesterAsAssignee(context: RequestContext, entity: EntityInfo): Promise<Assignee | undefined>;
}
