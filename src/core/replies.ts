import type { Subcommand } from './command/parse.js';
import type { ActionSummary, ConnectionStatus, CrmRecord, EntityInfo, ListQuery, RecordPage, WritePlan } from './ports.js';

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
  | { kind: 'records'; entity: EntityInfo; query?: ListQuery; offset?: number; page: RecordPage; via?: string }
  | { kind: 'record'; entity: EntityInfo; record: CrmRecord }
  | { kind: 'confirm'; pendingId: string; plan: WritePlan; entity?: EntityInfo; expiresAt: Date }
  | { kind: 'done'; plan: WritePlan; entity?: EntityInfo; record?: CrmRecord; output?: unknown }
  | { kind: 'connect'; url?: string; description: string }
  | { kind: 'status'; status: ConnectionStatus; scope: 'workspace' | 'user' }
  | { kind: 'actions'; intent: string; actions: ActionSummary[] }
  | { kind: 'data'; title: string; data: unknown }
  /** Words for the person in a conversation: a clarifying question, or the model's own answer. */
  | { kind: 'say'; text: string };
