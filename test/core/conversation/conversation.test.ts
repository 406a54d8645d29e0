import { describe, expect, it } from 'vitest';
import { ConversationService, describeNow, type MessageContext } from '../../../src/core/conversation/conversation.js';
import { summarize } from '../../../src/core/conversation/memory.js';
import type {
  ActionInfo,
  CrmGateway,
  CrmRecord,
  ListQuery,
  ReadResult,
  RecordPage,
  TokenUsage,
} from '../../../src/core/ports.js';
import type {
  ConversationStore,
  ConversationTurn,
  PlannedStep,
  Planner,
  PlanRequest,
} from '../../../src/core/conversation/ports.js';
import type { ClaimOutcome, PendingWrite } from '../../../src/core/writes/ports.js';
import type { Reply } from '../../../src/core/replies.js';
import { AppError } from '../../../src/core/errors.js';
import { PersonDirectory } from '../../../src/core/people.js';
import { CommandService } from '../../../src/core/service.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';
import { validateAgainstSchema } from '../../../src/crm/validate.js';
import { commandText } from '../../../src/core/text.js';

const entities = new EspoEntityDirectory();
const NOW = new Date('2026-11-25T12:00:00Z');
const USAGE: TokenUsage = { promptTokens: 900, completionTokens: 40, modelCalls: 1 };

const listLeads: ActionInfo = {
  key: 'list-leads',
  name: 'List leads',
  isRead: true,
  inputSchema: { type: 'object', properties: { maxSize: { type: 'integer' } } },
};
const createTask: ActionInfo = {
  key: 'create-task',
  name: 'Create task',
  isRead: false,
  inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
};
const updateOpportunity: ActionInfo = {
  key: 'update-opportunity',
  name: 'Update opportunity',
  isRead: false,
  entity: 'Opportunity',
  inputSchema: { type: 'object', properties: { id: { type: 'string' }, stage: { type: 'string' } }, required: ['id'] },
};
/** A write whose key names no entity: `deal-stage` is not a record type. */
const updateDealStage: ActionInfo = {
  key: 'update-deal-stage',
  name: 'Update deal stage',
  isRead: false,
  inputSchema: updateOpportunity.inputSchema,
};
const ACTIONS = [listLeads, createTask];
const HOOLI: CrmRecord = { id: 'O1', name: 'Hooli renewal', fields: { stage: 'Proposal' } };

const leads: CrmRecord[] = [
  { id: 'L1', name: 'Ada Lovelace', fields: { status: 'New' } },
  { id: 'L2', fields: { status: 'Assigned' } },
];
const leadPage: RecordPage = { records: leads, total: 7, hasMore: true };

/** A planner that answers with the steps it is given, in order, and keeps what it was asked. */
class ScriptedPlanner implements Planner {
  readonly requests: PlanRequest[] = [];
  constructor(private readonly steps: PlannedStep[]) {}
  async plan(request: PlanRequest) {
    this.requests.push(request);
    const step = this.steps.shift();
    if (!step) throw new Error('no scripted step');
    return { step, usage: USAGE, ignoredCalls: 0 };
  }
}

/** Threads in memory, the newest `keep` turns per thread and tenant. */
class MemoryConversations implements ConversationStore {
  readonly rows: { threadKey: string; tenantKey: string; turn: ConversationTurn }[] = [];
  failAppend = false;
  async recent(threadKey: string, tenantKey: string, since: Date, limit: number) {
    return this.rows
      .filter((row) => row.threadKey === threadKey && row.tenantKey === tenantKey && row.turn.at >= since)
      .slice(-limit)
      .map((row) => row.turn);
  }
  async append(threadKey: string, tenantKey: string, turns: ConversationTurn[], keep: number) {
    if (this.failAppend) throw new Error('database is down');
    this.rows.push(...turns.map((turn) => ({ threadKey, tenantKey, turn })));
    const mine = this.rows.filter((row) => row.threadKey === threadKey && row.tenantKey === tenantKey);
    for (const old of mine.slice(0, Math.max(0, mine.length - keep))) this.rows.splice(this.rows.indexOf(old), 1);
  }
  async prune() {
    return 0;
  }
}

function build(
  options: {
    steps?: PlannedStep[];
    planner?: false;
    read?: ReadResult;
    users?: CrmRecord[] | 'fail';
    actions?: ActionInfo[];
  } = {},
) {
  const catalog = options.actions ?? ACTIONS;
  const calls: { method: string; args: unknown[] }[] = [];
  const called = (method: string) => calls.filter((call) => call.method === method);
  const track =
    <A extends unknown[], R>(method: string, body: (...args: A) => R) =>
    (...args: A): R => {
      calls.push({ method, args });
      return body(...args);
    };
  const crm = {
    list: track('list', async (_tenant, query: ListQuery): Promise<RecordPage> => {
      if (query.entity !== 'User') return leadPage;
      if (options.users === 'fail') throw new Error('EspoCRM is down');
      return { records: options.users ?? [], hasMore: false };
    }),
    // The search answers with input schemas, as Membrane's intent search does; the catalog is not read again.
    searchActions: track('searchActions', async () => catalog),
    describeAction: track('describeAction', async (_tenant, key: string) =>
      catalog.find((action) => action.key === key)!,
    ),
    checkActionInput: (action: ActionInfo, input: unknown) => validateAgainstSchema(action.inputSchema, input),
    readAction: track(
      'readAction',
      async () => options.read ?? { kind: 'records', entity: 'Lead', page: leadPage, offset: 0 },
    ),
    readPath: track('readPath', async () => options.read ?? { kind: 'data', output: { total: 0, list: [] } }),
    get: track('get', async (_tenant, entity: string, id: string): Promise<CrmRecord> => {
      if (entity === 'Opportunity' && id === HOOLI.id) return HOOLI;
      throw new AppError('not_found', `There is no ${entity} ${id}.`);
    }),
    runAction: track('runAction', async () => ({})),
    proxy: track('proxy', async () => ({})),
  } as Partial<CrmGateway> as CrmGateway;

  const saved: PendingWrite[] = [];
  const warnings: { data: Record<string, unknown>; message: string }[] = [];
  const logger = {
    info: () => undefined,
    warn: (data: Record<string, unknown>, message: string) => void warnings.push({ data, message }),
    error: () => undefined,
  };
  const clock = { now: () => NOW };
  const people = new PersonDirectory(crm, logger);
  const commands = new CommandService({
    crm,
    entities,
    confirmations: {
      save: async (write) => void saved.push(write),
      claim: async (): Promise<ClaimOutcome> => ({ ok: false, reason: 'missing' }),
      cancel: async (): Promise<ClaimOutcome> => ({ ok: false, reason: 'missing' }),
      finish: async () => undefined,
      prune: async () => 0,
    },
    audit: { record: async () => undefined },
    clock,
    logger,
    connectionScope: 'workspace',
    confirmationTtlMs: 15 * 60_000,
    people,
  });
  const planner = options.planner === false ? undefined : new ScriptedPlanner([...(options.steps ?? [])]);
  const conversations = new MemoryConversations();
  const service = new ConversationService({
    commands,
    crm,
    entities,
    planner,
    people,
    conversations,
    clock,
    logger,
    memory: { turns: 20, maxAgeMs: 24 * 3600_000 },
  });
  return { service, planner, conversations, calls, called, saved, warnings };
}

const context: MessageContext = {
  teamId: 'T1',
  userId: 'U1',
  channelId: 'C1',
  timeZone: 'America/New_York',
  threadKey: 'T1:C1:1700000000.000100',
};
const tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };

describe('ConversationService', () => {
  it('runs a command on the fast path without the planner or intent search', async () => {
    const { service, planner, called } = build({ steps: [{ kind: 'prose', text: 'never' }] });
    const result = await service.handleMessage(context, 'list leads status=New');
    expect(result).toMatchObject({ route: 'fast', firstTurn: true, reply: { kind: 'records', page: leadPage } });
    expect(result.usage).toBeUndefined();
    expect(planner?.requests).toHaveLength(0);
    expect(called('searchActions')).toHaveLength(0);
    expect(called('list')[0]?.args[1]).toMatchObject({
      entity: 'Lead',
      filters: [{ field: 'status', op: 'equals', value: 'New' }],
    });
  });

  it('says how to switch plain language on when there is no planner', async () => {
    const { service, calls } = build({ planner: false });
    const result = await service.handleMessage(context, 'show my open deals closing this month');
    expect(result.route).toBe('unavailable');
    expect(result.reply).toMatchObject({
      kind: 'notice',
      tone: 'info',
      text: expect.stringContaining('OPENAI_API_KEY'),
    });
    expect(calls).toHaveLength(0);
  });

  it('still takes the fast path when there is no planner', async () => {
    const { service } = build({ planner: false });
    expect(await service.handleMessage(context, 'show me all leads')).toMatchObject({
      route: 'fast',
      reply: { kind: 'records' },
    });
  });

  it('gives the planner the candidates, the person’s day and zone, and the field guide of the entities named', async () => {
    const { service, planner, called } = build({ steps: [{ kind: 'clarify', question: 'Which leads?' }] });
    const result = await service.handleMessage(context, 'show my newest leads');
    expect(result).toMatchObject({
      route: 'model',
      reply: { kind: 'say', text: 'Which leads?' },
      usage: USAGE,
      ignoredCalls: 0,
    });

    expect(called('searchActions')[0]?.args).toEqual([tenant, 'show my newest leads Lead', 8]);
    expect(called('describeAction')).toEqual([]);
    const request = planner!.requests[0]!;
    expect(request).toMatchObject({
      text: 'show my newest leads',
      today: 'Wednesday 2026-11-25, 07:00 local time',
      timeZone: 'America/New_York (UTC-05:00)',
      turns: [],
      // create-task is about tasks, and the message about leads: it is left out.
      actions: [listLeads],
    });
    expect(request.fieldGuide).toEqual([`Lead: ${entities.fieldGuide('Lead')}`]);
    expect(request.checkInput(createTask, {})).toContain("must have required property 'name'");
    expect(request.checkInput(createTask, { name: 'Call Bob' })).toBeUndefined();
  });

  it('keeps candidates about no known record type, and lists no field twice: the guide leaves out what the offered actions declare', async () => {
    const createLead: ActionInfo = {
      key: 'create-lead',
      name: 'Create lead',
      isRead: false,
      inputSchema: {
        type: 'object',
        properties: {
          fields: { type: 'object', properties: { firstName: { type: 'string' }, lastName: { type: 'string' } } },
        },
      },
    };
    const tagThings: ActionInfo = {
      key: 'tag-things',
      name: 'Tag things',
      isRead: false,
      inputSchema: { type: 'object', properties: { tag: { type: 'string' } } },
    };
    const { service, planner } = build({
      steps: [{ kind: 'clarify', question: 'Which?' }],
      actions: [createLead, tagThings, createTask],
    });
    await service.handleMessage(context, 'add a lead for Ada Lovelace');
    const request = planner!.requests[0]!;
    expect(request.actions.map((action) => action.key)).toEqual(['create-lead', 'tag-things']);
    const guide = request.fieldGuide[0]!;
    expect(guide).toBe(`Lead: ${entities.fieldGuide('Lead', new Set(['fields', 'firstName', 'lastName']))}`);
    expect(guide).not.toMatch(/\b(firstName|lastName)\b/);
    expect(guide).toContain('status [New|');
  });

  it('gives the planner the first 4,000 characters of a long message, and the intent search its first 500', async () => {
    const { service, planner, called } = build({ steps: [{ kind: 'prose', text: 'ok' }] });
    const notes = `log these call notes about the leads: ${'we talked about pricing and timing. '.repeat(1200)}`;
    await service.handleMessage(context, notes);
    const request = planner!.requests[0]!;
    expect(request.text).toBe(notes.slice(0, 4000));
    expect(request.fullLength).toBe(notes.length);
    expect(called('searchActions')[0]?.args[1]).toBe(`${notes.slice(0, 500)} Call Lead`);
  });

  it('says nothing about a cut when the message fits', async () => {
    const { service, planner } = build({ steps: [{ kind: 'prose', text: 'ok' }] });
    await service.handleMessage(context, 'show my newest leads');
    expect(planner!.requests[0]).not.toHaveProperty('fullLength');
  });

  it('tells the planner who is asking: their EspoCRM user, found by email once', async () => {
    const { service, planner, called } = build({
      steps: [
        { kind: 'prose', text: 'one' },
        { kind: 'prose', text: 'two' },
      ],
      users: [{ id: 'USR1', name: 'Ada', fields: {} }],
    });
    const ada = { ...context, email: 'Ada@Example.com', displayName: 'Ada L' };
    await service.handleMessage(ada, 'show my deals');
    await service.handleMessage({ ...ada, email: 'ada@example.com' }, 'show my deals again');
    expect(planner!.requests.map((request) => request.person)).toEqual([
      { name: 'Ada L', crmUserId: 'USR1' },
      { name: 'Ada L', crmUserId: 'USR1' },
    ]);
    expect(called('list').map((call) => call.args[1])).toEqual([
      {
        entity: 'User',
        filters: [{ field: 'emailAddress', op: 'equals', value: 'Ada@Example.com' }],
        limit: 1,
        offset: 0,
      },
    ]);
  });

  it('plans without a CRM user when there is no email, no such user, or the lookup fails', async () => {
    const steps = (): PlannedStep[] => [{ kind: 'clarify', question: 'ok' }];
    const anonymous = build({ steps: steps() });
    await anonymous.service.handleMessage(context, 'show my deals');
    expect(anonymous.planner!.requests[0]!.person).toEqual({ name: undefined, crmUserId: undefined });
    expect(anonymous.called('list')).toHaveLength(0);

    const stranger = build({ steps: steps(), users: [] });
    await stranger.service.handleMessage({ ...context, email: 'who@example.com' }, 'show my deals');
    expect(stranger.planner!.requests[0]!.person?.crmUserId).toBeUndefined();

    const broken = build({ steps: steps(), users: 'fail' });
    const result = await broken.service.handleMessage({ ...context, email: 'ada@example.com' }, 'show my deals');
    expect(result.reply).toEqual({ kind: 'say', text: 'ok' });
    expect(broken.planner!.requests[0]!.person?.crmUserId).toBeUndefined();
    expect(broken.warnings.map((warning) => warning.message)).toEqual([
      'could not look up the EspoCRM user of a Slack user',
    ]);
  });

  it('runs a planned read action at once and shows its records', async () => {
    const { service, called, saved } = build({ steps: [{ kind: 'action', action: listLeads, input: { maxSize: 5 } }] });
    const result = await service.handleMessage(context, 'show my newest leads');
    expect(called('readAction')[0]?.args).toEqual([tenant, 'list-leads', { maxSize: 5 }]);
    expect(result.reply).toEqual({
      kind: 'records',
      entity: expect.objectContaining({ name: 'Lead', plural: 'Leads' }),
      page: leadPage,
      offset: 0,
      via: 'list-leads {"maxSize":5}',
    });
    expect(saved).toHaveLength(0);
  });

  it('shows a single record a read returns as a record', async () => {
    const record = leads[0]!;
    const { service } = build({
      steps: [{ kind: 'action', action: listLeads, input: {} }],
      read: { kind: 'record', entity: 'Lead', record },
    });
    expect((await service.handleMessage(context, 'open Ada')).reply).toMatchObject({
      kind: 'record',
      entity: { name: 'Lead' },
      record,
    });
  });

  it('turns a planned write into a preview waiting for Confirm, carrying the tokens spent', async () => {
    const { service, saved, called } = build({
      steps: [{ kind: 'action', action: createTask, input: { name: 'Call Bob' } }],
      users: [{ id: 'USR1', name: 'Ada', fields: {} }],
    });
    const result = await service.handleMessage({ ...context, email: 'ada@example.com' }, 'remind me to call Bob');
    // The new task is the person's: EspoCRM would refuse one nobody is assigned to.
    const plan = {
      kind: 'run',
      key: 'create-task',
      name: 'Create task',
      input: { name: 'Call Bob', assignedUserId: 'USR1' },
    };
    expect(result.reply).toMatchObject({ kind: 'confirm', plan, assignee: { id: 'USR1', isRequester: true } });
    expect(saved).toEqual([
      expect.objectContaining({ tenantKey: 'T1', userId: 'U1', channelId: 'C1', plan, usage: USAGE }),
    ]);
    expect(result.reply.kind === 'confirm' && result.reply.pendingId).toBe(saved[0]!.id);
    expect(called('runAction')).toHaveLength(0);
    expect(called('readAction')).toHaveLength(0);
  });

  it('checks a planned create with the assignee it will get, and says so when a task cannot be assigned', async () => {
    // The action requires an assignee, as Membrane's create-task does for EspoCRM's Task.
    const strict: ActionInfo = {
      ...createTask,
      inputSchema: {
        type: 'object',
        properties: { name: { type: 'string' }, assignedUserId: { type: 'string' } },
        required: ['name', 'assignedUserId'],
      },
    };
    const known = build({
      steps: [{ kind: 'action', action: strict, input: { name: 'Call Bob' } }],
      users: [{ id: 'USR1', fields: {} }],
    });
    await known.service.handleMessage({ ...context, email: 'ada@example.com' }, 'remind me to call Bob');
    expect(known.planner!.requests[0]!.checkInput(strict, { name: 'Call Bob' })).toBeUndefined();

    const stranger = build({
      steps: [{ kind: 'proxy', request: { method: 'POST', path: '/Task', body: { name: 'Call Bob' } } }],
      users: [],
    });
    const refused = stranger.service.handleMessage({ ...context, email: 'who@example.com' }, 'remind me to call Bob');
    await expect(refused).rejects.toMatchObject({
      code: 'validation',
      usage: USAGE,
      userMessage: expect.stringContaining('no EspoCRM user has your Slack email (`who@example.com`)'),
    });
    expect(stranger.planner!.requests[0]!.checkInput(strict, { name: 'Call Bob' })).toContain('assignedUserId');
    expect(stranger.saved).toHaveLength(0);
  });

  it('reads the record a planned update targets first, so the preview names it', async () => {
    const input = { id: HOOLI.id, stage: 'Closed Won' };
    const { service, saved, called } = build({ steps: [{ kind: 'action', action: updateOpportunity, input }] });
    const result = await service.handleMessage(context, 'move the Hooli deal to Closed Won');
    expect(called('get').map((call) => call.args)).toEqual([[tenant, 'Opportunity', HOOLI.id]]);
    const target = { entity: 'Opportunity', id: HOOLI.id, name: 'Hooli renewal' };
    expect(result.reply).toMatchObject({
      kind: 'confirm',
      plan: { kind: 'run', key: 'update-opportunity', input, target },
    });
    expect(saved).toHaveLength(1);
  });

  it('previews a planned write whose key names no entity without a target record, instead of failing its read', async () => {
    const input = { id: HOOLI.id, stage: 'Closed Won' };
    const { service, saved, called } = build({ steps: [{ kind: 'action', action: updateDealStage, input }] });
    const result = await service.handleMessage(context, 'move the Hooli deal to Closed Won');
    expect(called('get')).toHaveLength(0);
    expect(result.reply).toEqual(
      expect.objectContaining({
        kind: 'confirm',
        plan: { kind: 'run', key: 'update-deal-stage', name: 'Update deal stage', input },
      }),
    );
    expect(saved).toEqual([
      expect.objectContaining({ plan: { kind: 'run', key: 'update-deal-stage', name: 'Update deal stage', input } }),
    ]);
    expect(called('runAction')).toHaveLength(0);
  });

  it('reads a planned GET through readPath', async () => {
    const { service, called } = build({
      steps: [{ kind: 'proxy', request: { method: 'GET', path: '/Call?maxSize=5' } }],
    });
    const result = await service.handleMessage(context, 'any calls today?');
    expect(called('readPath')[0]?.args).toEqual([tenant, '/Call?maxSize=5']);
    expect(result.reply).toEqual({ kind: 'data', title: 'GET /Call?maxSize=5', data: { total: 0, list: [] } });
  });

  it('shows records a planned GET returns, naming the call', async () => {
    const { service } = build({
      steps: [{ kind: 'proxy', request: { method: 'GET', path: '/Lead?maxSize=2' } }],
      read: { kind: 'records', entity: 'Lead', page: leadPage, offset: 0 },
    });
    expect((await service.handleMessage(context, 'two leads')).reply).toMatchObject({
      kind: 'records',
      entity: { name: 'Lead' },
      via: 'GET /Lead?maxSize=2',
    });
  });

  it('previews a planned POST instead of sending it', async () => {
    const request = { method: 'POST' as const, path: '/Case', body: { name: 'Printer on fire' } };
    const { service, saved, called } = build({ steps: [{ kind: 'proxy', request }] });
    const result = await service.handleMessage(context, 'open a case: printer on fire');
    expect(result.reply).toMatchObject({ kind: 'confirm', plan: { kind: 'proxy', request } });
    expect(saved[0]).toMatchObject({ plan: { kind: 'proxy', request }, usage: USAGE });
    expect(called('proxy')).toHaveLength(0);
    expect(called('readPath')).toHaveLength(0);
  });

  it('never passes the model’s prose on as CRM data: says nothing was looked up and offers the nearest /espo command', async () => {
    const { service, called } = build({
      steps: [
        { kind: 'prose', text: 'Your open deals: Acme Corp, $50,000.' },
        { kind: 'prose', text: 'Why did the chicken…' },
      ],
    });
    const about = await service.handleMessage(context, 'what are my open deals worth?');
    expect(about.reply).toEqual({
      kind: 'notice',
      tone: 'info',
      text: expect.stringContaining("I didn't look anything up in EspoCRM"),
    });
    expect(JSON.stringify(about.reply)).not.toContain('Acme');
    expect(JSON.stringify(about.reply)).toContain(commandText('list opportunities'));
    expect(called('readAction')).toHaveLength(0);
    const joke = await service.handleMessage({ ...context, threadKey: 'T1:D1:2' }, 'tell me a joke');
    expect(JSON.stringify(joke.reply)).toContain(commandText('help'));
  });

  it('remembers both sides of each turn and hands them to the next plan', async () => {
    const { service, conversations, planner, called } = build({
      steps: [
        { kind: 'action', action: listLeads, input: {} },
        { kind: 'clarify', question: 'Which status?' },
      ],
    });
    const first = await service.handleMessage(context, 'show my newest prospects');
    expect(first.firstTurn).toBe(true);
    const remembered = await conversations.recent(context.threadKey, 'T1', new Date(0), 10);
    expect(remembered).toEqual([
      { role: 'user', text: 'show my newest prospects', at: NOW },
      {
        role: 'assistant',
        text: 'Showed leads 1–2 of 7 via list-leads {}.',
        records: [
          { entity: 'Lead', id: 'L1', name: 'Ada Lovelace' },
          { entity: 'Lead', id: 'L2' },
        ],
        at: NOW,
      },
    ]);

    const second = await service.handleMessage(context, 'move the second one along');
    expect(second.firstTurn).toBe(false);
    expect(planner!.requests[1]!.turns).toEqual(remembered);
    // The follow-up names no entity; the one shown last guides the search and the field guide.
    expect(called('searchActions')[1]?.args[1]).toBe('move the second one along Lead');
    expect(planner!.requests[1]!.fieldGuide).toEqual([`Lead: ${entities.fieldGuide('Lead')}`]);
    expect(conversations.rows.map((row) => row.turn.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(conversations.rows[3]!.turn).toMatchObject({ role: 'assistant', text: 'Which status?' });
  });

  it('remembers fast-path and unavailable turns too', async () => {
    const { service, conversations } = build({ planner: false });
    await service.handleMessage(context, 'hello');
    await service.handleMessage(context, 'what is new?');
    expect(conversations.rows.map((row) => [row.turn.role, row.turn.text.slice(0, 20)])).toEqual([
      ['user', 'hello'],
      ['assistant', 'Answered with help.'],
      ['user', 'what is new?'],
      ['assistant', 'I can only follow co'],
    ]);
  });

  it('bounds the remembered user text', async () => {
    const { service, conversations } = build({ steps: [{ kind: 'prose', text: 'ok' }] });
    await service.handleMessage(context, `please summarise ${'x'.repeat(2000)}`);
    expect(conversations.rows[0]!.turn.text).toHaveLength(1000);
  });

  it('keeps the reply when remembering the turn fails, and logs it', async () => {
    const { service, conversations, warnings } = build({ steps: [{ kind: 'action', action: listLeads, input: {} }] });
    conversations.failAppend = true;
    const result = await service.handleMessage(context, 'show my newest leads');
    expect(result).toMatchObject({ route: 'model', reply: { kind: 'records' } });
    expect(warnings).toEqual([
      {
        data: expect.objectContaining({ thread: context.threadKey, err: expect.any(Error) }),
        message: 'could not remember a conversation turn',
      },
    ]);
  });
});

describe('summarize', () => {
  const lead = entities.resolve('lead');
  const many = Array.from({ length: 12 }, (_, index): CrmRecord => ({
    id: `L${index}`,
    name: index % 2 ? `Lead ${index}` : undefined,
    fields: {},
  }));

  it('keeps at most 10 record refs of a page, with names only where there are', () => {
    const summary = summarize({ kind: 'records', entity: lead, page: { records: many, total: 40, hasMore: true } });
    expect(summary.text).toBe('Showed leads 1–12 of 40.');
    expect(summary.records).toHaveLength(10);
    expect(summary.records?.slice(0, 2)).toEqual([
      { entity: 'Lead', id: 'L0' },
      { entity: 'Lead', id: 'L1', name: 'Lead 1' },
    ]);
  });

  it('states the range shown from the offset, and whether more exist without a total', () => {
    const page = { records: leads, hasMore: true };
    expect(summarize({ kind: 'records', entity: lead, page, offset: 10 }).text).toBe('Showed leads 11–12, more exist.');
    expect(summarize({ kind: 'records', entity: lead, page: { ...page, hasMore: false } }).text).toBe(
      'Showed leads 1–2.',
    );
    expect(summarize({ kind: 'records', entity: lead, page: { records: [], total: 0, hasMore: false } })).toEqual({
      text: 'Showed leads none of 0.',
      records: [],
    });
    const query = { entity: 'Lead', filters: [], limit: 2, offset: 4 };
    expect(summarize({ kind: 'records', entity: lead, query, page: { ...page, total: 9 } }).text).toBe(
      'Showed leads 5–6 of 9.',
    );
  });

  it('names the call a planned read made, bounded', () => {
    const page = { records: leads, total: 7, hasMore: true };
    expect(summarize({ kind: 'records', entity: lead, page, offset: 0, via: 'GET /Lead?maxSize=2' }).text).toBe(
      'Showed leads 1–2 of 7 via GET /Lead?maxSize=2.',
    );
    expect(summarize({ kind: 'records', entity: lead, page, via: `GET /Lead?q=${'x'.repeat(600)}` }).text).toHaveLength(
      500,
    );
  });

  it('refers to one record shown', () => {
    expect(summarize({ kind: 'record', entity: lead, record: leads[0]! })).toEqual({
      text: 'Showed this lead.',
      records: [{ entity: 'Lead', id: 'L1', name: 'Ada Lovelace' }],
    });
  });

  it('describes a proposed write with its input, bounded', () => {
    const confirm = (input: unknown): Reply => ({
      kind: 'confirm',
      pendingId: 'p1',
      plan: { kind: 'run', key: 'create-task', name: 'Create task', input },
      expiresAt: NOW,
    });
    expect(summarize(confirm({ name: 'Call Bob' }))).toEqual({
      text: 'Proposed: run create-task {"name":"Call Bob"}. Waiting for the person to confirm.',
    });
    expect(summarize(confirm({ name: 'x'.repeat(1000) })).text).toHaveLength(500);
  });

  it('refers to the record a finished write touched', () => {
    const task = entities.resolve('task');
    expect(
      summarize({
        kind: 'done',
        plan: { kind: 'create', entity: 'Task', fields: { name: 'Call' } },
        entity: task,
        record: { id: 'T9', name: 'Call', fields: {} },
      }),
    ).toEqual({
      text: 'Done: create Task.',
      records: [{ entity: 'Task', id: 'T9', name: 'Call' }],
    });
  });

  it('repeats what was said, bounded', () => {
    expect(summarize({ kind: 'say', text: 'Which Bob?' })).toEqual({ text: 'Which Bob?' });
    expect(summarize({ kind: 'notice', tone: 'info', text: 'n'.repeat(600) }).text).toHaveLength(500);
    expect(summarize({ kind: 'data', title: 'GET /Call', data: {} })).toEqual({
      text: 'Showed the result of GET /Call.',
    });
  });
});

describe('describeNow', () => {
  it('gives the weekday, date and time in the zone, and its offset', () => {
    expect(describeNow(NOW, 'America/New_York')).toEqual({
      today: 'Wednesday 2026-11-25, 07:00 local time',
      timeZone: 'America/New_York (UTC-05:00)',
    });
  });

  it('follows daylight saving time', () => {
    expect(describeNow(new Date('2026-07-01T12:00:00Z'), 'America/New_York').timeZone).toBe(
      'America/New_York (UTC-04:00)',
    );
  });

  it('moves to the next day where it is already tomorrow', () => {
    expect(describeNow(new Date('2026-11-25T23:30:00Z'), 'Asia/Kolkata')).toEqual({
      today: 'Thursday 2026-11-26, 05:00 local time',
      timeZone: 'Asia/Kolkata (UTC+05:30)',
    });
  });

  it('falls back to UTC for a zone it does not know', () => {
    const described = describeNow(NOW, 'Mars/Olympus_Mons');
    expect(described.today).toBe('Wednesday 2026-11-25, 12:00 local time');
    expect(described.timeZone).toMatch(/^UTC \(UTC(\+00:00)?\)$/);
  });
});
