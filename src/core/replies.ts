import type { Subcommand } from './commands/grammar.js';
import type { AlertStatus, SubscriptionView } from './alerts/types.js';
import type { Digest, DigestJob } from './digests/types.js';
import type {
  ActionSummary,
  Assignee,
  ConnectionStatus,
  CrmRecord,
  DoctorCheck,
  EntityInfo,
  ListQuery,
  RecordPage,
  WritePlan,
} from './ports.js';
import type { Site } from './doctor/sites.js';
import type { Report } from './reports/types.js';

/**
 * What the pipeline answers, as data. The Slack layer turns each kind into Block Kit;
 * core never knows about blocks, buttons or response URLs.
 */
export type Reply =
  | { kind: 'help'; unknownWord?: string; suggestion?: string; topic?: Subcommand; entityWords: string[] }
  | { kind: 'notice'; tone: 'info' | 'success' | 'warning'; text: string }
  /**
   * `query` is absent for records a planned step returned: no paging buttons; `via` then names the
   * call, so "the next ones" can be asked for in the thread.
   */
  | {
      kind: 'records';
      entity: EntityInfo;
      query?: ListQuery;
      offset?: number;
      page: RecordPage;
      via?: string;
      /** How a plain-language request was understood, in one line, when the understanding layer answered it. */
      understood?: string;
    }
  /** "How many …": EspoCRM's total for the query, and how the request was understood. */
  | { kind: 'count'; entity: EntityInfo; total: number; query: ListQuery; understood: string }
  /** A total, a breakdown or the pipeline: numbers, rendered with a chart when there are groups. */
  | { kind: 'report'; report: Report }
  /** `understood`: how a plain-language request for this one record was understood, when the layer answered it. */
  | { kind: 'record'; entity: EntityInfo; record: CrmRecord; understood?: string }
  /** `assignee`: whom the record a write creates will be assigned to. */
  | { kind: 'confirm'; pendingId: string; plan: WritePlan; entity?: EntityInfo; expiresAt: Date; assignee?: Assignee }
  | { kind: 'done'; plan: WritePlan; entity?: EntityInfo; record?: CrmRecord; output?: unknown }
  | { kind: 'connect'; url?: string; description: string }
  /** `alerts`: how the tenant's alerts arrive, when it has subscriptions; `site`: where record links go. */
  | { kind: 'status'; status: ConnectionStatus; scope: 'workspace' | 'user'; alerts?: AlertStatus; site?: Site }
  /**
   * A subscription was made: its alerts go to `channelId`, or without it to the subscriber's DMs,
   * by webhook or, with the reason, by polling every `pollSeconds`.
   */
  | {
      kind: 'subscribed';
      id: string;
      description: string;
      channelId?: string;
      delivery: { mode: 'webhook' } | { mode: 'polling'; reason?: string; pollSeconds: number; deletions: boolean };
    }
  /** `/espo doctor`: each check; `automatic`: the check of a new connection, its problems only. */
  | { kind: 'doctor'; checks: DoctorCheck[]; automatic: boolean }
  /** `/espo subscriptions`: the channel's alert subscriptions (and the person's DM ones). */
  | { kind: 'subscriptions'; items: SubscriptionView[]; status?: AlertStatus }
  | { kind: 'actions'; intent: string; actions: ActionSummary[] }
  | { kind: 'data'; title: string; data: unknown }
  /** Words for the person in a conversation: a clarifying question, or the model's own answer. */
  | { kind: 'say'; text: string }
  /** A digest, as `/espo digest now` previews it. */
  | { kind: 'digest'; digest: Digest; preview: boolean }
  /** The digests of a channel (or the person's own, in a DM), each with a Stop button. */
  | { kind: 'digests'; digests: DigestJob[]; personal: boolean };
