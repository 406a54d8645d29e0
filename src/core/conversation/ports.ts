/** The ports of conversations: threads remembered across messages, and the planner (src/llm). */
import type { EntityInfo, ProxyRequest, RecordRef, RequestContext, Tenant, TokenUsage, WritePlan } from '../ports.js';
import type { Reply } from '../replies.js';

/** One turn of a thread with the bot, as remembered (text already bounded in size). */
export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
  records?: RecordRef[];
  at: Date;
}

/**
 * Threads remembered across messages and instances. A thread belongs to one tenant: another tenant
 * (another person in user scope) replying in the same Slack thread never sees its turns.
 */
export interface ConversationStore {
  /** The newest `limit` turns of the thread at or after `since`, oldest first. */
  recent(threadKey: string, tenantKey: string, since: Date, limit: number): Promise<ConversationTurn[]>;
  /** Adds turns, then keeps only the newest `keep` turns of the thread. */
  append(threadKey: string, tenantKey: string, turns: ConversationTurn[], keep: number): Promise<void>;
  /** Forgets turns older than `olderThan`. */
  prune(olderThan: Date): Promise<number>;
}

/** An action the planner may choose; its JSON Schema is the contract for the input. */
export interface PlannableAction {
  key: string;
  name: string;
  description?: string;
  isRead: boolean;
  /** The record type whose record the action changes or deletes by its `id` input, when it has one. */
  entity?: string;
  inputSchema?: Record<string, unknown>;
}

export interface PlanRequest {
  text: string;
  /** Set when `text` is only the start of a longer message: that message's length. */
  fullLength?: number;
  /** The person's today, e.g. `Wednesday 2026-11-25`, and their time zone with its UTC offset. */
  today: string;
  timeZone: string;
  /** Who is asking, and their EspoCRM user when it could be found by email ("my deals"). */
  person?: { name?: string; crmUserId?: string };
  turns: ConversationTurn[];
  actions: PlannableAction[];
  /** Field lines of the entities involved (names, types, enum options), for filters and the proxy. */
  fieldGuide: string[];
  /** The action schema's complaint about an input, or undefined when it fits. */
  checkInput(action: PlannableAction, input: unknown): string | undefined;
  /** Why a REST call may not be made (not a record path, a write to users...), or undefined. */
  checkProxy(request: ProxyRequest): string | undefined;
  /** The request asks for numbers ("how many", "how much", "by stage"): the report tool is offered too. */
  asksForNumbers?: boolean;
}

export type PlannedStep =
  | { kind: 'action'; action: PlannableAction; input: unknown }
  | { kind: 'proxy'; request: ProxyRequest }
  | { kind: 'clarify'; question: string }
  /**
   * Numbers instead of a list: records counted, or `sumField` added up, optionally per value of
   * `groupBy`; `filters` in the slash grammar's words (`stage!=Closed Won amount>10k`).
   */
  | { kind: 'report'; entity: string; sumField?: string; groupBy?: string; filters: string }
  /**
   * The model answered in words instead of choosing a tool (a server that ignores tool_choice, a
   * small local model): nothing was looked up, so the words are never shown as CRM data.
   */
  | { kind: 'prose'; text: string };

export interface Plan {
  step: PlannedStep;
  usage: TokenUsage;
  /** Further tool calls the model made beyond the one that is used. */
  ignoredCalls: number;
}

/** Turns a message into one step, with a language model. Implemented in src/llm. */
export interface Planner {
  plan(request: PlanRequest): Promise<Plan>;
}

/**
 * What a conversation asks of the request pipeline (CommandService): a message that is already a
 * command runs as the slash command would, a planned write is proposed like any other, and the
 * same tenant rules hold.
 */
export interface CommandPipeline {
  tenantFor(context: RequestContext): Tenant;
  guardConnectLink(context: RequestContext, error: unknown): unknown;
  handle(context: RequestContext, text: string): Promise<Reply>;
  propose(context: RequestContext, plan: WritePlan, entity?: EntityInfo, usage?: TokenUsage): Promise<Reply>;
}
