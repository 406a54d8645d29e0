import type { PersonDirectory } from '../people.js';
import type {
  Clock,
  CrmGateway,
  EntityDirectory,
  Logger,
  ReadResult,
  RecordRef,
  RequestContext,
  Tenant,
  TokenUsage,
  WritePlan,
} from '../ports.js';
import type { Reply } from '../replies.js';
import { reportCommandText } from '../commands/grammar.js';
import { commandText } from '../text.js';
import { assignNewRecord } from '../writes/assignment.js';
import { partialText, type UnderstandingService } from '../understanding/service.js';
import { fastPathCommand } from './fast-path.js';
import { summarize } from './memory.js';
import type {
  CommandPipeline,
  ConversationStore,
  ConversationTurn,
  PlannableAction,
  PlannedStep,
  Planner,
} from './ports.js';

/** A message in a thread: who, where, and which conversation it continues. */
export interface MessageContext extends RequestContext {
  /** Team, channel and thread: one conversation. DMs without a thread use the DM itself. */
  threadKey: string;
}

export interface MessageResult {
  reply: Reply;
  /**
   * `fast`: the slash grammar, no model needed; `understood`: the understanding layer answered, no
   * model needed; `model`: planned by the model; `unavailable`: no model configured.
   */
  route: 'fast' | 'understood' | 'model' | 'unavailable';
  usage?: TokenUsage;
  ignoredCalls?: number;
  /** The thread had no remembered turns before this one (the place to title a thread). */
  firstTurn: boolean;
}

export interface ConversationDeps {
  commands: CommandPipeline;
  crm: CrmGateway;
  entities: EntityDirectory;
  /** Absent when no model is configured: the fast path still works. */
  planner?: Planner;
  /** Everyday requests read against the CRM's vocabulary, answered without a model. */
  understanding?: UnderstandingService;
  /** EspoCRM users by Slack email, so "my" costs a lookup an hour; the Home tab and new records' assignees share it. */
  people: PersonDirectory;
  conversations: ConversationStore;
  clock: Clock;
  logger: Logger;
  memory: { turns: number; maxAgeMs: number };
}

/** Candidates offered to the model; more tools cost tokens and make choices worse. */
const MAX_CANDIDATES = 8;
const MAX_GUIDED_ENTITIES = 3;
/** A Slack message can run to 40,000 characters; the model reads its start, which bounds the prompt. */
const MAX_PLANNED_TEXT = 4000;
/** Intent search ranks by what the message is about, which its start says; it goes in a URL too. */
const MAX_SEARCH_TEXT = 500;
/** Less than the model reads of a message: every remembered turn is replayed in each later prompt of the thread. */
const MAX_USER_TEXT = 1000;

const NO_MODEL =
  'I can only follow commands here, because plain language is not switched on for this bot. ' +
  `Use the same words as ${commandText()}: \`list deals\`, \`find contacts Acme\`, \`show lead <id>\`, \`create task name="Call Bob"\`, or \`help\`. ` +
  'Whoever runs the bot can switch plain language on by setting OPENAI_API_KEY (and OPENAI_BASE_URL for any OpenAI-compatible server).';

/** Words that ask for numbers, not records: the model is then offered the report tool too. */
const ASKS_FOR_NUMBERS =
  /\b(how (many|much)|total|sum|count|number of|average|by|per|most|breakdown|broken down|pipeline|forecast|revenue|report|chart|worth)\b/i;

/** The field names an action's input declares, at its top level and one object down (`fields`, `filter`). */
function declaredFields(actions: PlannableAction[]): Set<string> {
  const names = new Set<string>();
  const propertiesOf = (schema: unknown) => {
    const properties = (schema as { properties?: unknown } | undefined)?.properties;
    return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
  };
  for (const action of actions) {
    for (const [name, property] of Object.entries(propertiesOf(action.inputSchema))) {
      names.add(name);
      for (const nested of Object.keys(propertiesOf(property))) names.add(nested);
    }
  }
  return names;
}

const nothingLookedUp = (command: string) =>
  `I didn't look anything up in EspoCRM for that: the language model answered in words instead of choosing a CRM action, so I'm not passing its answer on as CRM data. Try \`${command}\`, or ask again in other words.`;

/**
 * Plain language: the fast path when the words are already a command, else intent search, the
 * planner's one step, and the same execution as the slash command (reads at once, writes as a
 * stored preview for Confirm). The thread is remembered, bounded, so follow-ups can refer back.
 */
export class ConversationService {
  constructor(private readonly deps: ConversationDeps) {}

  async handleMessage(context: MessageContext, text: string): Promise<MessageResult> {
    try {
      return await this.converse(context, text);
    } catch (error) {
      // The same rule as /espo: a shared connection's connect link is for workspace admins only.
      throw this.deps.commands.guardConnectLink(context, error);
    }
  }

  private async converse(context: MessageContext, text: string): Promise<MessageResult> {
    const { commands, entities, clock } = this.deps;
    const tenant = commands.tenantFor(context);
    const now = clock.now();
    const turns = await this.recall(context, tenant, now);
    const firstTurn = turns.length === 0;
    const command = fastPathCommand(text, entities, now, context.timeZone ?? 'UTC');
    const understood = command ? undefined : await this.deps.understanding?.answer(context, tenant, text, now);
    let result: MessageResult;
    if (command) {
      result = { reply: await commands.handle(context, command), route: 'fast', firstTurn };
    } else if (understood?.kind === 'answered') {
      result = { reply: understood.reply, route: 'understood', firstTurn };
    } else if (!this.deps.planner) {
      // Understood in part: what was, and the nearest command; never a guess.
      const text = understood ? partialText(understood) : NO_MODEL;
      result = { reply: { kind: 'notice', tone: 'info', text }, route: 'unavailable', firstTurn };
    } else {
      result = { ...(await this.plan(this.deps.planner, context, tenant, text, now, turns)), firstTurn };
    }
    await this.remember(context, tenant, text, result.reply, now);
    return result;
  }

  /** The thread so far; without it a follow-up is only vaguer, so a failed read is not fatal. */
  private async recall(context: MessageContext, tenant: Tenant, now: Date): Promise<ConversationTurn[]> {
    const { conversations, memory, logger } = this.deps;
    try {
      return await conversations.recent(
        context.threadKey,
        tenant.key,
        new Date(now.getTime() - memory.maxAgeMs),
        memory.turns,
      );
    } catch (error) {
      logger.warn({ err: error, thread: context.threadKey }, 'could not read the conversation so far');
      return [];
    }
  }

  private async plan(
    planner: Planner,
    context: MessageContext,
    tenant: Tenant,
    message: string,
    now: Date,
    turns: ConversationTurn[],
  ): Promise<Omit<MessageResult, 'firstTurn'>> {
    const { crm, entities } = this.deps;
    const text = message.slice(0, MAX_PLANNED_TEXT);
    // The search also gets the entities meant: named in other words ("remind me" is a Task) or, in a
    // follow-up ("move it to Closed Won"), the entity of the records shown last.
    const referred = [...turns].reverse().find((turn) => turn.records?.length)?.records?.[0]?.entity;
    const involved = [...new Set([...entities.mentionedIn(text), ...(referred ? [referred] : [])])].slice(
      0,
      MAX_GUIDED_ENTITIES,
    );
    const [found, crmUserId] = await Promise.all([
      // The search answers with each action's input schema: the planner's tools, as Membrane has them now.
      crm.searchActions(tenant, [text.slice(0, MAX_SEARCH_TEXT), ...involved].join(' '), MAX_CANDIDATES),
      this.deps.people.crmUserOf(tenant, context.email, now),
    ]);
    // Fewer, better candidates: for a message about deals, actions about tasks or users are only tokens.
    const actions: PlannableAction[] = found.filter((action) => {
      const about = this.entitiesOf(action);
      return !involved.length || !about.length || about.some((entity) => involved.includes(entity));
    });

    const plan = await planner.plan({
      text,
      ...(text.length < message.length ? { fullLength: message.length } : {}),
      ...describeNow(now, context.timeZone ?? 'UTC'),
      person: { name: context.displayName, crmUserId },
      turns,
      actions,
      fieldGuide: involved.flatMap((entity) => {
        // A field an offered action already declares is not listed a second time.
        const line = entities.fieldGuide(
          entity,
          declaredFields(actions.filter((action) => this.entitiesOf(action).includes(entity))),
        );
        return line ? [`${entity}: ${line}`] : [];
      }),
      // A create is checked as it will be sent: assigned to the person unless the model named someone.
      checkInput: (action, input) =>
        crm.checkActionInput(
          action,
          this.assumeAssignee({ kind: 'run', key: action.key, name: action.name, input }, crmUserId),
        ),
      checkProxy: (request) => this.deps.entities.refusalOf(request),
      asksForNumbers: ASKS_FOR_NUMBERS.test(text),
    });
    const reply = await this.perform(context, tenant, plan.step, plan.usage, involved);
    return { reply, route: 'model', usage: plan.usage, ignoredCalls: plan.ignoredCalls };
  }

  /** The input of a planned action as it will be sent: a new record assigned to the person, when they are known. */
  private assumeAssignee(plan: Extract<WritePlan, { kind: 'run' }>, crmUserId: string | undefined): unknown {
    const assigned = crmUserId ? assignNewRecord(plan, this.deps.entities, crmUserId) : plan;
    return assigned.kind === 'run' ? assigned.input : plan.input;
  }

  /** Reads run at once; anything that writes becomes a preview waiting for its requester's Confirm. */
  private async perform(
    context: MessageContext,
    tenant: Tenant,
    step: PlannedStep,
    usage: TokenUsage,
    involved: string[],
  ): Promise<Reply> {
    const { crm, commands } = this.deps;
    switch (step.kind) {
      case 'clarify':
        return { kind: 'say', text: step.question };
      case 'report':
        // The slash command's engine: the same filters, the same numbers, the same chart.
        return commands.handle(context, reportCommandText(step));
      case 'prose':
        // A model that talks instead of calling a tool may describe records it never saw.
        return { kind: 'notice', tone: 'info', text: nothingLookedUp(this.closestCommand(involved)) };
      case 'action': {
        const { action, input } = step;
        if (action.isRead)
          return this.readReply(
            await crm.readAction(tenant, action.key, input),
            action.name,
            `${action.key} ${JSON.stringify(input)}`,
          );
        const target = await this.targetOf(tenant, action.entity, (input as { id?: unknown } | null)?.id);
        return commands.propose(
          context,
          { kind: 'run', key: action.key, name: action.name, input, ...(target ? { target } : {}) },
          undefined,
          usage,
        );
      }
      case 'proxy': {
        const { request } = step;
        if (request.method === 'GET') {
          const call = `GET ${request.path}`;
          return this.readReply(await crm.readPath(tenant, request.path), call, call);
        }
        const record = this.deps.entities.recordOfPath(request.path);
        const target = await this.targetOf(tenant, record?.entity, record?.id);
        return commands.propose(context, { kind: 'proxy', request, ...(target ? { target } : {}) }, undefined, usage);
      }
    }
  }

  /** The record types an action is about, going by the words of its key and name (`list-leads`: Lead). */
  private entitiesOf(action: PlannableAction): string[] {
    return this.deps.entities.mentionedIn(`${action.key.replace(/[^A-Za-z]+/g, ' ')} ${action.name}`);
  }

  /** The `/espo` command nearest to what was asked: listing the entity it was about, else help. */
  private closestCommand(involved: string[]): string {
    const [entity] = involved;
    return commandText(entity ? `list ${this.deps.entities.resolve(entity).plural.toLowerCase()}` : 'help');
  }

  /**
   * The record a planned change or delete targets, read first: the preview names it (Confirm is
   * the person's check that "the second one" is the deal they meant), and a wrong id fails now.
   * An action that names no record type (`update-deal-stage`) has no record to read: its preview
   * shows the input alone, still waiting for Confirm.
   */
  private async targetOf(tenant: Tenant, entityWord: string | undefined, id: unknown): Promise<RecordRef | undefined> {
    if (!entityWord || typeof id !== 'string' || !id) return undefined;
    const entity = this.deps.entities.resolve(entityWord).name;
    if (!this.deps.entities.isRecordType(entity)) return undefined;
    const record = await this.deps.crm.get(tenant, entity, id);
    return { entity, id, ...(record.name ? { name: record.name } : {}) };
  }

  private readReply(result: ReadResult, title: string, via: string): Reply {
    const { entities } = this.deps;
    switch (result.kind) {
      case 'records':
        return {
          kind: 'records',
          entity: entities.resolve(result.entity),
          page: result.page,
          offset: result.offset,
          query: result.query,
          via,
        };
      case 'record':
        return { kind: 'record', entity: entities.resolve(result.entity), record: result.record };
      case 'data':
        return { kind: 'data', title, data: result.output };
    }
  }

  /** Losing the memory of a turn only makes the next follow-up vaguer: log it, keep the reply. */
  private async remember(
    context: MessageContext,
    tenant: Tenant,
    text: string,
    reply: Reply,
    now: Date,
  ): Promise<void> {
    const turns: ConversationTurn[] = [
      { role: 'user', text: text.slice(0, MAX_USER_TEXT), at: now },
      { role: 'assistant', ...summarize(reply), at: now },
    ];
    try {
      await this.deps.conversations.append(context.threadKey, tenant.key, turns, this.deps.memory.turns);
    } catch (error) {
      this.deps.logger.warn({ err: error, thread: context.threadKey }, 'could not remember a conversation turn');
    }
  }
}

/** Today as the person sees it, and their zone with its offset, so "tomorrow at 10" lands right. */
export function describeNow(now: Date, timeZone: string): { today: string; timeZone: string } {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    zone = 'UTC';
  }
  const part = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, ...options }).format(now);
  const offset =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return {
    today: `${part({ weekday: 'long' })} ${part({ year: 'numeric', month: '2-digit', day: '2-digit' })}, ${part({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} local time`,
    timeZone: `${zone} (${offset.replace('GMT', 'UTC') || 'UTC'})`,
  };
}
