import { describe, expect, it } from 'vitest';
import { reportCommandText } from '../../../src/core/commands/grammar.js';
import { parseCommand, type Command } from '../../../src/core/commands/parse.js';
import { tokenize } from '../../../src/core/commands/tokenize.js';
import { AppError } from '../../../src/core/errors.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';

const context = {
  entities: new EspoEntityDirectory(),
  now: new Date('2026-11-25T15:00:00Z'),
  timeZone: 'America/Los_Angeles',
};
const parse = (text: string) => parseCommand(text, context);

function expectBadInput(text: string, message: RegExp) {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('bad_input');
    expect((error as AppError).userMessage).toMatch(message);
    return;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('tokenize', () => {
  it.each([
    ['list leads', ['list', 'leads']],
    ['create task name="Call Bob" dateEnd=2026-12-01', ['create', 'task', 'name=Call Bob', 'dateEnd=2026-12-01']],
    ['create task name=“Call Bob”', ['create', 'task', 'name=Call Bob']],
    ["find contact 'Jane Doe'", ['find', 'contact', 'Jane Doe']],
    ['a   b\t c', ['a', 'b', 'c']],
    ['name="say \\"hi\\""', ['name=say "hi"']],
  ])('%s', (input, expected) => {
    expect(tokenize(input).map((t) => t.text)).toEqual(expected);
  });
});

describe('parseCommand', () => {
  const cases: [string, Partial<Command> & Record<string, unknown>][] = [
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['connect', { kind: 'connect' }],
    ['connect https://crm.acme.com/', { kind: 'connect', siteUrl: 'https://crm.acme.com' }],
    ['connect <https://acme.com/espo|acme.com/espo>', { kind: 'connect', siteUrl: 'https://acme.com/espo' }],
    ['status', { kind: 'status' }],
    ['doctor', { kind: 'doctor' }],
    ['disconnect', { kind: 'disconnect' }],
    ['actions create a task', { kind: 'actions', intent: 'create a task' }],
    ['lsit leads', { kind: 'unknown', word: 'lsit', suggestion: 'list' }],
    ['frobnicate', { kind: 'unknown', word: 'frobnicate', suggestion: undefined }],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it.each([
    ['connect crm.acme.com', /not a web address/],
    ['connect ftp://crm.acme.com', /as you open it in a browser/],
    ['connect https://admin:secret@crm.acme.com', /no login/],
    ['connect https://crm.acme.com/#Lead', /no login, query or `#` part/],
    ['connect https://a.example https://b.example', /at most one address/],
  ])('refuses %s as an EspoCRM address', (text, message) => expectBadInput(text, message));

  it('resolves entity aliases, singular and plural', () => {
    for (const [word, name] of [
      ['leads', 'Lead'],
      ['deal', 'Opportunity'],
      ['deals', 'Opportunity'],
      ['people', 'Contact'],
      ['person', 'Contact'],
      ['company', 'Account'],
      ['organizations', 'Account'],
      ['cases', 'Case'],
      ['users', 'User'],
      ['projects', 'Project'],
      ['CProject', 'CProject'],
    ]) {
      const command = parse(`list ${word}`);
      expect(command.kind === 'list' && command.entity.name).toBe(name);
    }
  });

  it('parses list filters, operators, sort and limit', () => {
    const command = parse(
      'list deals stage=Prospecting,Qualification amount>10k closeDate<=tomorrow sort=-amount limit=5',
    );
    expect(command).toMatchObject({
      kind: 'list',
      query: {
        entity: 'Opportunity',
        filters: [
          { field: 'stage', op: 'in', value: ['Prospecting', 'Qualification'] },
          { field: 'amount', op: 'greaterThan', value: 10_000 },
          // tomorrow for someone in Los Angeles at 07:00 local on Nov 25
          { field: 'closeDate', op: 'lessThanOrEquals', value: '2026-11-26' },
        ],
        sort: { field: 'amount', order: 'desc' },
        limit: 5,
        offset: 0,
      },
    });
  });

  it('refuses a word an object has by inheritance as a day, as it refuses any other word', () => {
    // Found by the grammar's fuzz: a relative-day table looked up through the prototype threw a RangeError.
    for (const word of ['__proto__', 'constructor', 'toString']) {
      expect(() => parse(`list opportunity closeDate=${word}`)).toThrow(AppError);
      expect(() => parse(`list task dateEnd=${word}`)).toThrow(AppError);
    }
  });

  it("turns a day compared with a datetime field into that day's bounds in the person's zone", () => {
    // Los Angeles is UTC-8 in November: the 25th runs from 08:00 UTC to 08:00 UTC the next day.
    expect(parse('list tasks dateEnd<=today')).toMatchObject({
      query: { filters: [{ field: 'dateEnd', op: 'lessThan', value: '2026-11-26 08:00:00' }] },
    });
    expect(parse('list meetings dateStart=2026-11-25')).toMatchObject({
      query: {
        filters: [
          { field: 'dateStart', op: 'greaterThanOrEquals', value: '2026-11-25 08:00:00' },
          { field: 'dateStart', op: 'lessThan', value: '2026-11-26 08:00:00' },
        ],
      },
    });
    expect(parse('list leads createdAt>yesterday')).toMatchObject({
      query: { filters: [{ op: 'greaterThanOrEquals', value: '2026-11-25 08:00:00' }] },
    });
    // A date field stays a date.
    expect(parse('list deals closeDate<=today')).toMatchObject({
      query: { filters: [{ field: 'closeDate', op: 'lessThanOrEquals', value: '2026-11-25' }] },
    });
  });

  it('types each filter for its field, so EspoCRM compares what was meant', () => {
    const filters = (text: string) => {
      const command = parse(text);
      return command.kind === 'list' ? command.query.filters : [];
    };
    expect(filters('list users isActive=yes')).toEqual([{ field: 'isActive', op: 'equals', value: true }]);
    expect(filters('list deals amount>=1.5m probability<50')).toEqual([
      { field: 'amount', op: 'greaterThanOrEquals', value: 1_500_000 },
      { field: 'probability', op: 'lessThan', value: 50 },
    ]);
    expect(filters('list deals stage!="Closed Won,Closed Lost"')).toEqual([
      { field: 'stage', op: 'notIn', value: ['Closed Won', 'Closed Lost'] },
    ]);
    // A link by its record's name or id; the attributes exist on records too, so alert conditions hold on them.
    expect(filters('list contacts account="Acme Corp"')).toEqual([
      { field: 'accountName', op: 'equals', value: 'Acme Corp' },
    ]);
    expect(filters('list deals assignedUser~jane account!=6650a1b2000000005')).toEqual([
      { field: 'assignedUserName', op: 'contains', value: 'jane' },
      { field: 'accountId', op: 'notEquals', value: '6650a1b2000000005' },
    ]);
    expect(filters('list tasks parent=6650a1b2000000005,6650a1b2000000006')).toEqual([
      { field: 'parentId', op: 'in', value: ['6650a1b2000000005', '6650a1b2000000006'] },
    ]);
    // A time is the person's (Los Angeles, UTC-8): sent as UTC, as EspoCRM stores it.
    expect(filters('list meetings dateStart>"2026-11-25 09:30"')).toEqual([
      { field: 'dateStart', op: 'greaterThan', value: '2026-11-25 17:30:00' },
    ]);
  });

  it('refuses a filter value its field cannot be compared with', () => {
    expectBadInput(
      'list deals amount>lots',
      /`amount` is a number, like `amount>10k` \(the currency is `amountCurrency=EUR`\)/,
    );
    expectBadInput('list deals probability=high', /`probability` is a number/);
    expectBadInput('list users isActive=maybe', /`isActive` is yes or no/);
    expectBadInput('list users isActive>true', /`isActive` is yes or no/);
    expectBadInput('list deals closeDate>=soon', /`closeDate` is a day/);
    expectBadInput('list meetings dateStart>noon', /`dateStart` is a day or a time/);
    expectBadInput('list tasks parent=Acme', /`parent` can be filtered by the record's id only/);
    expectBadInput('list deals account>Acme', /`account` links to a record/);
    expectBadInput('list deals contacts=Jane', /`contacts` holds a list of records/);
    expectBadInput('subscribe opportunity created amount>big', /`amount` is a number[\s\S]*⟦subscribe /);
  });

  it('caps the page size to what fits in one message', () => {
    const command = parse('list leads limit=500');
    expect(command.kind === 'list' && command.query.limit).toBe(20);
  });

  it('parses create with quoted values and relative dates', () => {
    expect(parse('create task name="Call Bob" dateEnd=today priority=High')).toMatchObject({
      kind: 'create',
      fields: { name: 'Call Bob', dateEnd: '2026-11-25', priority: 'High' },
    });
  });

  it('types numbers and booleans by the field', () => {
    expect(parse('create opportunity name=Big amount=12,500 closeDate=2026-12-31')).toMatchObject({
      fields: { name: 'Big', amount: 12_500, closeDate: '2026-12-31' },
    });
    expect(parse('update contact abc123 doNotCall=yes')).toMatchObject({
      kind: 'update',
      id: 'abc123',
      fields: { doNotCall: true },
    });
  });

  it('clears a field with an empty value', () => {
    expect(parse('update lead abc phoneNumber=')).toMatchObject({ fields: { phoneNumber: null } });
  });

  it('takes a pasted record link for show and delete', () => {
    expect(parse('show https://crm.example.com/#Lead/view/5f3a9b')).toMatchObject({
      kind: 'show',
      entity: { name: 'Lead' },
      id: '5f3a9b',
    });
    expect(parse('delete deal 5f3a9b')).toMatchObject({
      kind: 'delete',
      entity: { name: 'Opportunity' },
      id: '5f3a9b',
    });
  });

  it('takes a pasted record link as the target of update', () => {
    expect(parse('update https://crm.example.com/#Lead/view/5f3a9b status=Dead')).toMatchObject({
      kind: 'update',
      entity: { name: 'Lead' },
      id: '5f3a9b',
      fields: { status: 'Dead' },
    });
  });

  it('parses find text', () => {
    expect(parse('find contact Jane Doe')).toMatchObject({
      kind: 'find',
      query: { entity: 'Contact', text: 'Jane Doe' },
    });
  });

  it('parses run with JSON (curly quotes from Slack included)', () => {
    expect(parse('run create-task {"fields": {"name": "Call Bob"}}')).toMatchObject({
      kind: 'run',
      key: 'create-task',
      input: { fields: { name: 'Call Bob' } },
    });
    expect(parse('run create-task {“fields”: {“name”: “Call Bob”}}')).toMatchObject({
      input: { fields: { name: 'Call Bob' } },
    });
    expect(parse('run list-leads')).toMatchObject({ kind: 'run', key: 'list-leads', input: {} });
  });

  it('parses alert subscriptions the way people type them in channels', () => {
    expect(parse('subscribe opportunity stage=Closed Won')).toMatchObject({
      kind: 'subscribe',
      subscription: {
        entity: { name: 'Opportunity' },
        event: 'updated',
        field: 'stage',
        filters: [{ field: 'stage', op: 'equals', value: 'Closed Won' }],
        toMe: false,
      },
    });
    expect(parse('subscribe lead created source=Web Site')).toMatchObject({
      subscription: { event: 'created', filters: [{ field: 'source', value: 'Web Site' }] },
    });
    expect(parse('subscribe task assigned to=me')).toMatchObject({
      subscription: { entity: { name: 'Task' }, event: 'assigned', filters: [], toMe: true },
    });
    expect(parse('subscribe deal updated amount')).toMatchObject({
      subscription: { event: 'updated', field: 'amount', filters: [] },
    });
    expect(parse('digest daily 8:30 weekdays')).toEqual({
      kind: 'digest',
      schedule: { time: '08:30', days: 'weekdays', pipeline: false },
    });
    expect(parse('digest now')).toEqual({ kind: 'digest_now', pipeline: false });
    // The week's pipeline, said anywhere after "digest".
    expect(parse('digest daily 09:00 pipeline weekdays')).toEqual({
      kind: 'digest',
      schedule: { time: '09:00', days: 'weekdays', pipeline: true },
    });
    expect(parse('digest now pipeline')).toEqual({ kind: 'digest_now', pipeline: true });
    expect(() => parse('digest pipeline')).toThrow(/Say when/);
  });

  it('parses api requests', () => {
    expect(parse('api get /Lead?maxSize=5')).toMatchObject({
      kind: 'api',
      request: { method: 'GET', path: '/Lead?maxSize=5' },
    });
    expect(parse('api POST Task {"name": "x"}')).toMatchObject({
      request: { method: 'POST', path: '/Task', body: { name: 'x' } },
    });
  });

  describe('rejects bad input with a way forward', () => {
    it.each([
      ['list', /Which kind of record/],
      ['list leads status', /filter like `status=New`/],
      ['list leads limit=abc', /whole number/],
      ['list leads order=up', /asc/],
      ['create lead', /at least one field/],
      ['create lead Bob', /field=value/],
      ['update lead', /Which lead/],
      ['update lead abc', /which fields/],
      ['update lead abc id=other status=Dead', /set by EspoCRM itself/],
      ['create lead createdAt=2020-01-01', /set by EspoCRM itself/],
      ['show lead', /Which lead/],
      ['show lead ../../etc', /does not look like/],
      ['find lead', /look for/],
      ['list <!channel>', /not a kind of record/],
      ['create task name="Call Bob', /quote is never closed/],
      ['run', /Which action/],
      ['run create-task {oops', /does not parse/],
      ['actions', /what you want to do/],
      ['api FETCH /Lead', /HTTP method/],
      ['api GET', /Which EspoCRM path/],
      ['api GET https://evil.example/x', /not a full URL/],
      ['api GET /Lead {"a":1}', /take no body/],
      // A webhook's secret signs alerts: nobody reads or changes them by hand.
      ['api GET /Webhook', /managed by ⟦subscribe⟧/],
      ['api DELETE webhook/abc', /managed by ⟦subscribe⟧/],
      ['subscribe lead foo', /did not understand `foo`/],
      ['subscribe deal to=you', /to=me/],
      ['digest weekly 09:00', /Say when/],
      ['digest daily 25:00', /Say when/],
      ['unsubscribe', /Which subscription/],
    ])('%s', (text, message) => expectBadInput(text, message));
  });
});

describe('reports: count, sum, report, pipeline', () => {
  it('counts with the filters of list, and breaks down by a field', () => {
    expect(parse('count leads status=New')).toEqual({
      kind: 'report',
      query: {
        entity: 'Lead',
        filters: [{ field: 'status', op: 'equals', value: 'New' }],
        measure: { kind: 'count' },
      },
    });
    expect(parse('count tasks status!=Completed by assignedUser')).toMatchObject({
      query: { entity: 'Task', groupBy: { field: 'assignedUserId', label: 'assignedUser' } },
    });
  });

  it('sums a number field, by a field, with filters on either side', () => {
    expect(parse('sum deals amount by stage')).toEqual({
      kind: 'report',
      query: {
        entity: 'Opportunity',
        filters: [],
        measure: { kind: 'sum', field: 'amount', label: 'amount' },
        groupBy: { field: 'stage', label: 'stage' },
      },
    });
    expect(parse('sum deals amount by stage amount>10k')).toMatchObject({
      query: { filters: [{ field: 'amount', op: 'greaterThan', value: 10_000 }], groupBy: { field: 'stage' } },
    });
  });

  it('says which fields are possible when the one named is not', () => {
    expectBadInput(
      'sum deals stage',
      /`stage` is not a number of opportunities\. You can use: `amount`.*`probability`/,
    );
    expectBadInput('sum deals', /Which number.*You can use: `amount`/);
    expectBadInput('report leads by description', /cannot be broken down by `description` \(a text field\).*`source`/);
    expectBadInput('report leads by nothingLikeIt', /cannot be broken down by `nothingLikeIt`\..*`status`/);
    expectBadInput('report leads status=New', /down by a field, like `by status`/);
    expectBadInput(
      'count leads status=New loud',
      /I expected a filter like `status=New` or `by <field>` but got `loud`/,
    );
    expectBadInput('count leads by', /By which field/);
  });

  it('reads the pipeline: a time in words or as one value, and mine', () => {
    expect(parse('pipeline')).toEqual({ kind: 'pipeline', mine: false });
    expect(parse('pipeline this quarter')).toEqual({
      kind: 'pipeline',
      period: { kind: 'range', from: '2026-10-01', to: '2027-01-01', label: 'this quarter' },
      mine: false,
    });
    expect(parse('pipeline next-month mine')).toEqual({
      kind: 'pipeline',
      period: { kind: 'range', from: '2026-12-01', to: '2027-01-01', label: 'next month' },
      mine: true,
    });
    expect(parse('pipeline mine this-year')).toMatchObject({
      period: { from: '2026-01-01', to: '2027-01-01' },
      mine: true,
    });
    expectBadInput('pipeline whenever', /did not understand `whenever` as a time/);
  });
});

describe('period values', () => {
  it('makes a date field within a period, in list and in reports', () => {
    const list = parse('list deals closeDate=this-quarter') as Extract<Command, { kind: 'list' }>;
    expect(list.query.filters).toEqual([
      { field: 'closeDate', op: 'greaterThanOrEquals', value: '2026-10-01' },
      { field: 'closeDate', op: 'lessThan', value: '2027-01-01' },
    ]);
    expect(parse('count leads createdAt=last-week')).toMatchObject({
      query: {
        filters: [
          // The person's week in Los Angeles, in UTC as EspoCRM stores datetimes.
          { field: 'createdAt', op: 'greaterThanOrEquals', value: '2026-11-16 08:00:00' },
          { field: 'createdAt', op: 'lessThan', value: '2026-11-23 08:00:00' },
        ],
      },
    });
  });

  it('compares with a period by its first or last day', () => {
    const filters = (text: string) => (parse(`list deals ${text}`) as Extract<Command, { kind: 'list' }>).query.filters;
    expect(filters('closeDate<next-month')).toEqual([{ field: 'closeDate', op: 'lessThan', value: '2026-12-01' }]);
    expect(filters('closeDate<=this-month')).toEqual([{ field: 'closeDate', op: 'lessThan', value: '2026-12-01' }]);
    expect(filters('closeDate>this-year')).toEqual([
      { field: 'closeDate', op: 'greaterThanOrEquals', value: '2027-01-01' },
    ]);
    expect(filters('closeDate>=last-month')).toEqual([
      { field: 'closeDate', op: 'greaterThanOrEquals', value: '2026-10-01' },
    ]);
    expectBadInput('list deals closeDate!=this-month', /compares with a period by/);
    // Not a date field: the words stay a value.
    expect(filters('name=this-week')).toEqual([{ field: 'name', op: 'equals', value: 'this-week' }]);
  });
});

describe('reportCommandText', () => {
  it('says a planned report as the subcommand that parses back to it', () => {
    const report = (text: string) => (parse(text) as Extract<Command, { kind: 'report' }>).query;
    expect(report(reportCommandText({ entity: 'Lead', filters: 'status=New' }))).toMatchObject({
      entity: 'Lead',
      measure: { kind: 'count' },
      filters: [{ field: 'status', op: 'equals', value: 'New' }],
    });
    expect(report(reportCommandText({ entity: 'Lead', groupBy: 'source', filters: '' }))).toMatchObject({
      measure: { kind: 'count' },
      groupBy: { field: 'source' },
    });
    expect(
      report(reportCommandText({ entity: 'Opportunity', sumField: 'amount', groupBy: 'stage', filters: 'amount>10k' })),
    ).toMatchObject({
      measure: { kind: 'sum', field: 'amount' },
      groupBy: { field: 'stage' },
      filters: [{ field: 'amount', op: 'greaterThan', value: 10_000 }],
    });
  });
});
