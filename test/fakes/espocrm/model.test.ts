import qs from 'qs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeEspoCrm, type EspoRecord, type EspoResponse } from '../../../fakes/espocrm/model.js';

// A Sunday, so month/year boundaries below are easy to reason about: today = 2026-03-15.
const NOW = new Date('2026-03-15T12:00:00Z');

let crm: FakeEspoCrm;
let clock: Date;

beforeEach(() => {
  clock = NOW;
  crm = new FakeEspoCrm({ now: () => clock }).seedDefaults();
});

const call = (
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, unknown> = {},
  headers?: Record<string, string>,
) => crm.request({ method, path, query, body, headers });

function list(entity: string, query: Record<string, unknown> = {}): { total: number; list: EspoRecord[] } {
  const res = call('GET', `/${entity}`, undefined, query);
  expect(res.status, JSON.stringify(res.headers)).toBe(200);
  return res.body as { total: number; list: EspoRecord[] };
}

const ids = (records: EspoRecord[]) => records.map((r) => r.id).sort();
const names = (records: EspoRecord[]) => records.map((r) => r.name);

function validationData(res: EspoResponse): unknown {
  expect(res.status).toBe(400);
  expect(res.headers['X-Status-Reason']).toBe('validationFailure');
  return (res.body as { messageTranslation: { data: unknown } }).messageTranslation.data;
}

describe('seed data', () => {
  it('loads the documented data set with EspoCRM-style ids', () => {
    const counts = Object.fromEntries(
      ['Lead', 'Account', 'Contact', 'Opportunity', 'Task', 'User', 'Meeting', 'Call', 'Case'].map((e) => [
        e,
        crm.all(e).length,
      ]),
    );
    expect(counts).toEqual({
      Lead: 25,
      Account: 8,
      Contact: 10,
      Opportunity: 12,
      Task: 10,
      User: 3,
      Meeting: 2,
      Call: 2,
      Case: 3,
    });
    expect(crm.all('Lead').every((l) => /^[0-9a-f]{17}$/.test(String(l.id)))).toBe(true);
    expect(names(crm.all('Account'))).toContain('Acme Corp');
    expect(names(crm.all('Lead'))).toContain('<!channel> *bold* <http://evil|click>');
  });

  it('is deterministic for a fixed clock', () => {
    const again = new FakeEspoCrm({ now: () => NOW }).seedDefaults();
    expect(again.all('Opportunity')).toEqual(crm.all('Opportunity'));
  });

  it('resolves link names on read, so renames show up on linked records', () => {
    const alice = crm.all('Contact').find((c) => c.name === 'Alice Johnson')!;
    expect(alice).toMatchObject({ accountName: 'Acme Corp', assignedUserName: 'Jane Smith' });
    expect(call('PUT', `/Account/${String(alice.accountId)}`, { name: 'Acme Holdings' }).status).toBe(200);
    expect(crm.get('Contact', String(alice.id))?.accountName).toBe('Acme Holdings');
  });

  it('computes Task.isOverdue from dateEnd and status', () => {
    const overdue = crm.all('Task').filter((t) => t.isOverdue === true);
    expect(names(overdue).sort()).toEqual([
      'Call Olivia about pricing',
      'Review Umbrella loss notes',
      'Send proposal to Globex',
    ]);
    clock = new Date('2026-03-20T12:00:00Z');
    expect(crm.all('Task').filter((t) => t.isOverdue).length).toBeGreaterThan(overdue.length);
  });
});

describe('GET /{Entity}: paging, order, select', () => {
  it('pages with maxSize/offset and reports the total', () => {
    const page = list('Lead', { maxSize: '10', offset: '20' });
    expect(page.total).toBe(25);
    expect(page.list).toHaveLength(5);
    expect(list('Lead').list).toHaveLength(25); // no maxSize → the 200 cap applies
    expect(list('Lead', { maxSize: '0' })).toEqual({ total: 25, list: [] });
  });

  it('rejects maxSize above 200 with 403 and bad numbers with 400', () => {
    const res = call('GET', '/Lead', undefined, { maxSize: '201' });
    expect(res.status).toBe(403);
    expect(res.headers['X-Status-Reason']).toBe('Max size should not exceed 200. Use offset and limit.');
    expect(call('GET', '/Lead', undefined, { maxSize: 'ten' }).status).toBe(400);
    expect(call('GET', '/Lead', undefined, { offset: '-1' }).status).toBe(400);
  });

  it("keeps to the admin's recordListMaxSizeLimit: the default page, and 403 above it", () => {
    crm.settings.recordListMaxSizeLimit = 10;
    expect(list('Lead').list).toHaveLength(10);
    expect(list('Lead', { maxSize: '10' }).list).toHaveLength(10);
    const refused = call('GET', '/Lead', undefined, { maxSize: '20' });
    expect(refused.status).toBe(403);
    expect(refused.headers['X-Status-Reason']).toBe('Max size should not exceed 10. Use offset and limit.');
  });

  it('orders by the collection default, orderBy/order or legacy sortBy, tie-breaking on id', () => {
    expect(list('Lead').list[0]?.name).toBe('<!channel> *bold* <http://evil|click>'); // createdAt desc: newest
    const byAmount = list('Opportunity', { orderBy: 'amount', order: 'desc' }).list.map((o) => Number(o.amount));
    expect(byAmount).toEqual([...byAmount].sort((a, b) => b - a));
    const byName = names(list('Account', { sortBy: 'name' }).list);
    expect(byName[0]).toBe('Acme Corp');
    expect(call('GET', '/Lead', undefined, { orderBy: 'nope' }).status).toBe(400);
    expect(call('GET', '/Lead', undefined, { orderBy: 'name', order: 'sideways' }).status).toBe(400);
  });

  it('returns only selected attributes plus id', () => {
    const [first] = list('Lead', { select: 'name,status', maxSize: 1 }).list;
    expect(Object.keys(first!).sort()).toEqual(['id', 'name', 'status']);
  });

  it('accepts everything as one JSON searchParams value', () => {
    const searchParams = JSON.stringify({ maxSize: 2, where: [{ type: 'equals', attribute: 'status', value: 'New' }] });
    const page = list('Lead', { searchParams });
    expect(page.total).toBe(8);
    expect(page.list).toHaveLength(2);
    expect(call('GET', '/Lead', undefined, { searchParams: '{oops' }).status).toBe(400);
  });
});

describe('where items', () => {
  /** The fake must select exactly what an independent JS predicate selects (and something). */
  function expectWhere(entity: string, where: unknown[], predicate: (r: EspoRecord) => boolean) {
    const expected = crm.all(entity).filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(list(entity, { where }).list)).toEqual(ids(expected));
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const item = (type: string, attribute: string, value?: unknown) => ({ type, attribute, value });

  it.each([
    ['equals', item('equals', 'status', 'New'), (r: EspoRecord) => r.status === 'New'],
    ['notEquals', item('notEquals', 'status', 'New'), (r: EspoRecord) => r.status !== 'New'],
    ['contains (case-insensitive)', item('contains', 'name', 'SON'), (r: EspoRecord) => /son/i.test(str(r.name))],
    ['notContains', item('notContains', 'name', 'son'), (r: EspoRecord) => !/son/i.test(str(r.name))],
    ['startsWith', item('startsWith', 'name', 'a'), (r: EspoRecord) => /^a/i.test(str(r.name))],
    [
      'endsWith',
      item('endsWith', 'emailAddress', '@acme.example.com'),
      (r: EspoRecord) => str(r.emailAddress).endsWith('@acme.example.com'),
    ],
    ['like', item('like', 'name', '%o_connor'), (r: EspoRecord) => r.name === "James O'Connor"],
    ['in', item('in', 'status', ['New', 'Assigned']), (r: EspoRecord) => ['New', 'Assigned'].includes(str(r.status))],
    [
      'in (qs object form)',
      item('in', 'status', { 0: 'Dead', 1: 'Recycled' }),
      (r: EspoRecord) => ['Dead', 'Recycled'].includes(str(r.status)),
    ],
    [
      'notIn',
      item('notIn', 'status', ['New', 'Assigned']),
      (r: EspoRecord) => !['New', 'Assigned'].includes(str(r.status)),
    ],
    ['isNull', item('isNull', 'emailAddress'), (r: EspoRecord) => r.emailAddress === null],
    ['isNotNull', item('isNotNull', 'assignedUserId'), (r: EspoRecord) => r.assignedUserId !== null],
    ['lastSevenDays', item('lastSevenDays', 'createdAt'), (r: EspoRecord) => str(r.createdAt) >= '2026-03-08'],
  ])('Lead %s', (_name, where, predicate) => expectWhere('Lead', [where], predicate));

  it.each([
    ['greaterThan (string value)', item('greaterThan', 'amount', '50000'), (r: EspoRecord) => Number(r.amount) > 50000],
    ['lessThan', item('lessThan', 'amount', 20000), (r: EspoRecord) => Number(r.amount) < 20000],
    [
      'greaterThanOrEquals',
      item('greaterThanOrEquals', 'amount', 120000),
      (r: EspoRecord) => Number(r.amount) >= 120000,
    ],
    ['lessThanOrEquals', item('lessThanOrEquals', 'amount', 15000), (r: EspoRecord) => Number(r.amount) <= 15000],
    [
      'between numbers',
      item('between', 'amount', [10000, 30000]),
      (r: EspoRecord) => Number(r.amount) >= 10000 && Number(r.amount) <= 30000,
    ],
    [
      'between dates',
      item('between', 'closeDate', ['2026-03-01', '2026-03-31']),
      (r: EspoRecord) => str(r.closeDate).startsWith('2026-03'),
    ],
    ['past', item('past', 'closeDate'), (r: EspoRecord) => str(r.closeDate) < '2026-03-15'],
    ['future', item('future', 'closeDate'), (r: EspoRecord) => str(r.closeDate) > '2026-03-15'],
    ['currentMonth', item('currentMonth', 'closeDate'), (r: EspoRecord) => str(r.closeDate).startsWith('2026-03')],
    ['nextMonth', item('nextMonth', 'closeDate'), (r: EspoRecord) => str(r.closeDate).startsWith('2026-04')],
    ['lastMonth', item('lastMonth', 'closeDate'), (r: EspoRecord) => str(r.closeDate).startsWith('2026-02')],
    [
      'lastXDays',
      item('lastXDays', 'closeDate', '7'),
      (r: EspoRecord) => str(r.closeDate) >= '2026-03-08' && str(r.closeDate) <= '2026-03-15',
    ],
    [
      'nextXDays',
      item('nextXDays', 'closeDate', 14),
      (r: EspoRecord) => str(r.closeDate) >= '2026-03-15' && str(r.closeDate) <= '2026-03-29',
    ],
  ])('Opportunity %s', (_name, where, predicate) => expectWhere('Opportunity', [where], predicate));

  it('today / isTrue / isFalse on Tasks', () => {
    expect(names(list('Task', { where: [item('today', 'dateEnd')] }).list)).toEqual(['Follow up with Initech']);
    expectWhere('Task', [item('isTrue', 'isOverdue')], (r) => r.isOverdue === true);
    expectWhere('Task', [item('isFalse', 'isOverdue')], (r) => r.isOverdue === false);
  });

  it('compares text with number, bool and datetime columns as MySQL converts it, not as meant', () => {
    const [user] = crm.all('User');
    call('PUT', `/User/${String(user!.id)}`, { isActive: false });
    const active = crm.all('User').filter((u) => u.isActive === true);
    // 'true' from a query string is 0 to MySQL: the inactive ones. isTrue, 1 and JSON true are 1.
    expect(ids(list('User', { where: [item('equals', 'isActive', 'true')] }).list)).toEqual([user!.id]);
    for (const where of [
      item('isTrue', 'isActive'),
      item('equals', 'isActive', '1'),
      item('equals', 'isActive', true),
    ]) {
      expect(ids(list('User', { where: [where] }).list)).toEqual(ids(active));
    }
    // A number column reads text's leading number: '50k' is 50, '$50k' is 0.
    expect(list('Opportunity', { where: [item('greaterThan', 'amount', '50k')] }).total).toBe(
      crm.all('Opportunity').filter((o) => Number(o.amount) > 50).length,
    );
    expect(list('Opportunity', { where: [item('greaterThan', 'amount', '$50k')] }).total).toBe(
      crm.all('Opportunity').filter((o) => Number(o.amount) > 0).length,
    );
    // A day against a datetime is its midnight: a task due later that day is not <= it.
    const [task] = crm.seed('Task', [{ name: 'Due at five', status: 'Not Started', dateEnd: '2026-03-20 17:00:00' }]);
    expect(ids(list('Task', { where: [item('lessThanOrEquals', 'dateEnd', '2026-03-20')] }).list)).not.toContain(
      task!.id,
    );
    expect(ids(list('Task', { where: [item('lessThan', 'dateEnd', '2026-03-21')] }).list)).toContain(task!.id);
  });

  it('currentYear on datetimes', () => {
    expectWhere('Contact', [item('currentYear', 'createdAt')], (r) => str(r.createdAt).startsWith('2026'));
  });

  it('or / and / not groups, nested, from a bracket-notation query string', () => {
    const query = qs.parse(
      'where[0][type]=or' +
        '&where[0][value][0][type]=equals&where[0][value][0][attribute]=source&where[0][value][0][value]=Partner' +
        '&where[0][value][1][type]=and' +
        '&where[0][value][1][value][0][type]=equals&where[0][value][1][value][0][attribute]=status&where[0][value][1][value][0][value]=New' +
        '&where[0][value][1][value][1][type]=isNull&where[0][value][1][value][1][attribute]=assignedUserId',
      { depth: 20 },
    );
    expectWhere(
      'Lead',
      query.where as unknown[],
      (r) => r.source === 'Partner' || (r.status === 'New' && r.assignedUserId === null),
    );
    expectWhere('Lead', [{ type: 'not', value: [item('equals', 'status', 'New')] }], (r) => r.status !== 'New');
  });

  it('answers 400 for unknown attributes and types', () => {
    expect(call('GET', '/Lead', undefined, { where: [item('equals', 'nope', 'x')] }).status).toBe(400);
    expect(call('GET', '/Lead', undefined, { where: [item('fuzzy', 'name', 'x')] }).status).toBe(400);
    expect(call('GET', '/Lead', undefined, { where: [item('lastXDays', 'createdAt', 'many')] }).status).toBe(400);
  });
});

describe('text and primary filters', () => {
  it('textFilter / q search the entity text fields case-insensitively, with * wildcards', () => {
    const acme = list('Lead', { textFilter: 'ACME' }).list;
    expect(acme.length).toBeGreaterThan(0);
    expect(
      acme.every((l) => /acme/i.test(`${String(l.name)} ${String(l.accountName)} ${String(l.emailAddress)}`)),
    ).toBe(true);
    expect(list('Lead', { q: 'acme' }).total).toBe(acme.length);
    expect(names(list('Lead', { q: 'oli*bennett' }).list)).toEqual(['Olivia Bennett']);
    expect(names(list('Case', { textFilter: 'gateway' }).list)).toEqual(['Export to CSV times out']); // description
  });

  it.each([
    ['Lead', 'actual', (r: EspoRecord) => !['Converted', 'Recycled', 'Dead'].includes(String(r.status))],
    ['Lead', 'converted', (r: EspoRecord) => r.status === 'Converted'],
    ['Opportunity', 'open', (r: EspoRecord) => !String(r.stage).startsWith('Closed')],
    ['Opportunity', 'won', (r: EspoRecord) => r.stage === 'Closed Won'],
    ['Opportunity', 'lost', (r: EspoRecord) => r.stage === 'Closed Lost'],
    ['Task', 'actual', (r: EspoRecord) => !['Completed', 'Canceled'].includes(String(r.status))],
    ['Task', 'completed', (r: EspoRecord) => r.status === 'Completed'],
    ['Task', 'overdue', (r: EspoRecord) => r.isOverdue === true],
    ['Case', 'open', (r: EspoRecord) => r.status !== 'Closed'],
    ['Case', 'closed', (r: EspoRecord) => r.status === 'Closed'],
  ])('%s primaryFilter=%s', (entity, primaryFilter, predicate) => {
    const expected = crm.all(entity).filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(list(entity, { primaryFilter }).list)).toEqual(ids(expected));
  });

  it('rejects an unknown primary filter', () => {
    expect(call('GET', '/Lead', undefined, { primaryFilter: 'vip' }).status).toBe(400);
  });
});

describe('reads and routing', () => {
  it('reads one record, 404 otherwise', () => {
    const lead = crm.all('Lead')[0]!;
    // EspoCRM computes the converted amount on read (see FakeEspoCrm.converted).
    const amount = lead.opportunityAmount;
    expect(call('GET', `/Lead/${String(lead.id)}`).body).toEqual({
      ...lead,
      opportunityAmountConverted: typeof amount === 'number' ? amount : null,
    });
    expect(call('GET', '/Lead/00000000000000000').status).toBe(404);
    expect(call('GET', '/Widget').status).toBe(404);
    expect(call('GET', `/Lead/${String(lead.id)}/stream`).status).toBe(200);
    expect(call('GET', `/Lead/${String(lead.id)}/activities`).status).toBe(404);
    expect(call('POST', `/Lead/${String(lead.id)}`, {}).status).toBe(404);
  });

  it("answers Settings with what an API user may read: the site's address, the version, the list limit", () => {
    const site = new FakeEspoCrm({ now: () => clock, siteUrl: 'https://crm.acme.test' });
    expect(site.request({ method: 'GET', path: '/Settings', query: {} }).body).toMatchObject({
      siteUrl: 'https://crm.acme.test',
      version: expect.stringMatching(/^\d+\.\d+/),
      recordListMaxSizeLimit: 200,
    });
    expect(call('GET', '/Settings').body).not.toHaveProperty('siteUrl');
  });

  it("lists the API user's own webhooks, or 403 without the Webhooks scope", () => {
    call('POST', '/Webhook', { event: 'Lead.create', url: 'https://bot.example/hook' });
    expect(call('GET', '/Webhook').body).toMatchObject({ total: 1, list: [{ event: 'Lead.create' }] });
    crm.webhooks.refuseWith = 403;
    expect(call('GET', '/Webhook').status).toBe(403);
    expect(call('POST', '/Webhook', { event: 'Lead.create', url: 'https://bot.example/hook' }).status).toBe(403);
  });

  it('answers App/user and Metadata', () => {
    expect(call('GET', '/App/user').body).toEqual({
      user: { id: expect.any(String), userName: 'jsmith', name: 'Jane Smith' },
      appParams: { currencyRates: {} },
    });
    expect(call('GET', '/Metadata', undefined, { key: 'entityDefs.Lead.fields.status.options' }).body).toEqual([
      'New',
      'Assigned',
      'In Process',
      'Converted',
      'Recycled',
      'Dead',
    ]);
    expect(call('GET', '/Metadata', undefined, { key: 'entityDefs.Lead.fields.nope' }).body).toBeNull();
    expect(Object.keys((call('GET', '/Metadata').body as { entityDefs: object }).entityDefs)).toContain('Opportunity');
  });
});

describe('POST /{Entity}', () => {
  it('applies defaults, derived names, currency and timestamps; ignores unknown and readOnly input', () => {
    const account = crm.all('Account').find((a) => a.name === 'Hooli')!;
    const res = call('POST', '/Opportunity', {
      name: 'Hooli Expansion',
      amount: '42000',
      closeDate: '2026-04-30',
      accountId: account.id,
      favouriteColour: 'teal',
      createdAt: '1999-01-01 00:00:00',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Hooli Expansion',
      amount: 42000,
      amountCurrency: 'USD',
      stage: 'Prospecting',
      probability: 10,
      accountName: 'Hooli',
      createdAt: '2026-03-15 12:00:00',
      modifiedAt: '2026-03-15 12:00:00',
    });
    expect(res.body).not.toHaveProperty('favouriteColour');
  });

  it('splits a lone personName and joins firstName + lastName', () => {
    const split = call('POST', '/Contact', { name: 'Mary Ann Smith' }).body as EspoRecord;
    expect(split).toMatchObject({ firstName: 'Mary Ann', lastName: 'Smith', name: 'Mary Ann Smith' });
    const joined = call('POST', '/Lead', { firstName: 'Ada', lastName: 'Lovelace' }).body as EspoRecord;
    expect(joined).toMatchObject({ name: 'Ada Lovelace', status: 'New', doNotCall: false });
  });

  it('refuses a Task, Meeting or Call nobody is assigned to, as EspoCRM does for an API user; a bare date fills dateEndDate', () => {
    // Task.json, Meeting.json, Call.json: `assignedUser: {required: true}`; an API user's records
    // get no assignee by default (Core/Record/Defaults/DefaultPopulator::isAssignedUserShouldBeSetWithSelf).
    expect(validationData(call('POST', '/Task', { name: 'Call Bob', dateEnd: '2026-03-20' }))).toEqual({
      field: 'assignedUser',
      type: 'required',
    });
    const start = { dateStart: '2026-03-20 10:00:00', dateEnd: '2026-03-20 11:00:00' };
    expect(validationData(call('POST', '/Meeting', { name: 'Demo', ...start }))).toEqual({
      field: 'assignedUser',
      type: 'required',
    });
    expect(validationData(call('POST', '/Call', { name: 'Intro', ...start }))).toEqual({
      field: 'assignedUser',
      type: 'required',
    });
    const jane = crm.all('User')[0]!;
    const res = call('POST', '/Task', { name: 'Call Bob', dateEnd: '2026-03-20', assignedUserId: jane.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'Not Started',
      priority: 'Normal',
      assignedUserId: jane.id,
      assignedUserName: 'Jane Smith',
      dateEnd: '2026-03-20 00:00:00',
      dateEndDate: '2026-03-20',
      isOverdue: false,
    });
    const task = res.body as EspoRecord;
    expect(validationData(call('PUT', `/Task/${String(task.id)}`, { assignedUserId: null }))).toEqual({
      field: 'assignedUser',
      type: 'required',
    });
  });

  it('validates required fields, enums and formats like EspoCRM', () => {
    expect(validationData(call('POST', '/Account', { website: 'https://x.example.com' }))).toEqual({
      field: 'name',
      type: 'required',
    });
    expect(validationData(call('POST', '/Opportunity', { name: 'X', closeDate: '2026-04-01' }))).toEqual({
      field: 'amount',
      type: 'required',
    });
    expect(
      validationData(call('POST', '/Opportunity', { name: 'X', amount: 1, closeDate: '2026-04-01', stage: 'Won' })),
    ).toEqual({ field: 'stage', type: 'valid' });
    expect(validationData(call('POST', '/Opportunity', { name: 'X', amount: 1, closeDate: '04/01/2026' }))).toEqual({
      field: 'closeDate',
      type: 'valid',
    });
    expect(validationData(call('POST', '/Contact', { firstName: 'Solo' }))).toEqual({
      field: 'lastName',
      type: 'required',
    });
    expect(call('POST', '/Lead', 'not an object').status).toBe(400);
    // User.json: lastName is required, with `suppressValidationList: ["required"]`.
    expect(call('POST', '/User', { userName: 'solo' }).status).toBe(200);
  });

  it('reports duplicates with 409 unless X-Skip-Duplicate-Check is set', () => {
    const byEmail = call('POST', '/Lead', {
      firstName: 'Someone',
      lastName: 'Else',
      emailAddress: 'OLIVIA.BENNETT@acme.example.com',
    });
    expect(byEmail.status).toBe(409);
    expect(byEmail.headers['X-Status-Reason']).toBe('duplicate');
    expect(names(byEmail.body as EspoRecord[])).toEqual(['Olivia Bennett']);

    expect(call('POST', '/Lead', { name: 'olivia bennett' }).status).toBe(409);
    expect(call('POST', '/Contact', { firstName: 'Alice', lastName: 'Johnson' }).status).toBe(409);
    const account = call('POST', '/Account', { name: 'ACME CORP' });
    expect(account.status).toBe(409);
    expect(names(account.body as EspoRecord[])).toEqual(['Acme Corp']);

    expect(call('POST', '/Account', { name: 'Acme Corp' }, {}, { 'X-Skip-Duplicate-Check': 'true' }).status).toBe(200);
    expect(crm.all('Account').filter((a) => a.name === 'Acme Corp')).toHaveLength(2);
  });
});

describe('PUT / PATCH / DELETE', () => {
  it('updates, bumps modifiedAt and keeps untouched attributes', () => {
    const lead = crm.all('Lead').find((l) => l.name === 'Liam Carter')!;
    clock = new Date('2026-03-16T08:30:00Z');
    const res = call('PATCH', `/Lead/${String(lead.id)}`, { status: 'In Process' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'In Process',
      emailAddress: lead.emailAddress,
      modifiedAt: '2026-03-16 08:30:00',
      createdAt: lead.createdAt,
    });
  });

  it('validates enums and refuses to blank required fields', () => {
    const opp = crm.all('Opportunity')[0]!;
    expect(validationData(call('PUT', `/Opportunity/${String(opp.id)}`, { stage: 'Done' }))).toEqual({
      field: 'stage',
      type: 'valid',
    });
    expect(validationData(call('PUT', `/Opportunity/${String(opp.id)}`, { name: '' }))).toEqual({
      field: 'name',
      type: 'required',
    });
    expect(crm.get('Opportunity', String(opp.id))).toEqual(opp);
    expect(call('PUT', '/Opportunity/00000000000000000', { name: 'x' }).status).toBe(404);
  });

  it('deletes, answering true, then 404', () => {
    const task = crm.all('Task')[0]!;
    expect(call('DELETE', `/Task/${String(task.id)}`)).toMatchObject({ status: 200, body: true });
    expect(call('DELETE', `/Task/${String(task.id)}`).status).toBe(404);
    expect(crm.get('Task', String(task.id))).toBeUndefined();
  });
});

describe('custom entities', () => {
  it('defineEntity adds a scope with Base fields that behaves like the built-ins', () => {
    crm.defineEntity('CProject', {
      status: { type: 'enum', options: ['Planned', 'Active', 'Done'], default: 'Planned' },
      budget: { type: 'currency' },
      account: { type: 'link', entity: 'Account' },
    });
    const acme = crm.all('Account').find((a) => a.name === 'Acme Corp')!;
    const created = call('POST', '/CProject', { name: 'Rollout', budget: 5000, accountId: acme.id });
    expect(created.body).toMatchObject({ status: 'Planned', budgetCurrency: 'USD', accountName: 'Acme Corp' });
    expect(validationData(call('POST', '/CProject', { status: 'Active' }))).toEqual({
      field: 'name',
      type: 'required',
    });
    expect(list('CProject', { where: [{ type: 'equals', attribute: 'status', value: 'Planned' }] }).total).toBe(1);
    expect(crm.seed('CProject', [{ name: 'Seeded', status: 'Done' }])[0]).toMatchObject({
      name: 'Seeded',
      status: 'Done',
    });
  });
});

describe('webhooks and the stream', () => {
  it('registers webhooks, queues events as EspoCRM does, and signs the batches', () => {
    const created = call('POST', '/Webhook', {
      event: 'Opportunity.fieldUpdate.stage',
      url: 'https://bot.example/hook',
    });
    expect(created.status).toBe(200);
    const { id, secretKey } = created.body as { id: string; secretKey: string };
    expect(secretKey).toMatch(/^[0-9a-f]{32}$/);
    call('POST', '/Webhook', { event: 'Opportunity.update', url: 'https://bot.example/hook' });
    const deal = crm.all('Opportunity').find((o) => o.stage === 'Prospecting')!;
    call('PUT', `/Opportunity/${String(deal.id)}`, { stage: 'Proposal' });
    call('PUT', `/Opportunity/${String(deal.id)}`, { description: 'no stage change' });
    const batches = crm.webhooks.takeBatches();
    const byEvent = Object.fromEntries(batches.map((b) => [b.webhook.event, b.items]));
    expect(byEvent['Opportunity.fieldUpdate.stage']).toEqual([{ id: deal.id, stage: 'Proposal' }]);
    expect(byEvent['Opportunity.update']).toHaveLength(2);
    expect(byEvent['Opportunity.update']![0]).toMatchObject({ id: deal.id, stage: 'Proposal' });
    expect(byEvent['Opportunity.update']![0]).not.toHaveProperty('name');
    const batch = batches.find((b) => b.webhook.id === id)!;
    expect(Buffer.from(batch.headers.Signature!, 'base64').toString()).toMatch(new RegExp(`^${id}:[0-9a-f]{64}$`));
    expect(crm.webhooks.takeBatches()).toEqual([]);

    expect(call('DELETE', `/Webhook/${id}`).status).toBe(200);
    expect(call('DELETE', `/Webhook/${id}`).status).toBe(404);
    crm.webhooks.refuseWith = 403;
    expect(call('POST', '/Webhook', { event: 'Lead.create', url: 'https://bot.example/hook' }).status).toBe(403);
  });

  it('writes the stream as EspoCRM does: the status apart from audited fields, assignments as their own notes', () => {
    const stream = (entity: string, record: EspoRecord) =>
      (
        call('GET', `/${entity}/${String(record.id)}/stream`).body as {
          list: { type: string; data: Record<string, unknown> }[];
        }
      ).list;
    const [jane, marco] = crm.all('User');
    const deal = call('POST', '/Opportunity', {
      name: 'Streamed',
      amount: 1000,
      closeDate: '2026-04-01',
      assignedUserId: jane!.id,
    }).body as EspoRecord;
    // Service::noteCreate: the assignee and the status (with the scope's statusField) it began with.
    expect(stream('Opportunity', deal)).toEqual([
      expect.objectContaining({
        type: 'Create',
        data: {
          assignedUserId: jane!.id,
          assignedUserName: 'Jane Smith',
          statusValue: 'Prospecting',
          statusField: 'stage',
        },
      }),
    ]);
    call('PUT', `/Opportunity/${String(deal.id)}`, { stage: 'Proposal', amount: 2000 });
    call('PUT', `/Opportunity/${String(deal.id)}`, { assignedUserId: marco!.id });
    call('PUT', `/Opportunity/${String(deal.id)}`, { description: 'not audited' });
    const [assign, update, create] = stream('Opportunity', deal);
    expect(create!.type).toBe('Create');
    // handleAudited: the stage is not in was/became (getAuditedFieldsData skips the statusField), only `value`.
    expect(update).toMatchObject({
      type: 'Update',
      data: {
        fields: ['amount'],
        attributes: { was: { amount: 1000, amountCurrency: 'USD' }, became: { amount: 2000, amountCurrency: 'USD' } },
        value: 'Proposal',
      },
    });
    // noteAssign: the new assignee only.
    expect(assign).toMatchObject({
      type: 'Assign',
      data: { assignedUserId: marco!.id, assignedUserName: 'Marco Lopez' },
    });
    expect(stream('Opportunity', deal)).toHaveLength(3);

    // A status change alone: an Update note with no fields and the new value.
    call('PUT', `/Opportunity/${String(deal.id)}`, { stage: 'Closed Won' });
    expect(stream('Opportunity', deal)[0]).toMatchObject({
      type: 'Update',
      data: { fields: [], attributes: { was: {}, became: {} }, value: 'Closed Won' },
    });
    // Seeded records have their Create notes too.
    expect(stream('Lead', crm.all('Lead')[0]!)).toEqual([
      expect.objectContaining({ type: 'Create', data: expect.objectContaining({ statusField: 'status' }) }),
    ]);
  });

  it('keeps the status in was/became for an entity without a stream (Call), with no Create or Assign notes', () => {
    const stream = (record: EspoRecord) =>
      (
        call('GET', `/Call/${String(record.id)}/stream`).body as {
          list: { type: string; data: Record<string, unknown> }[];
        }
      ).list;
    const [jane, marco] = crm.all('User');
    const created = call('POST', '/Call', {
      name: 'Intro',
      dateStart: '2026-03-20 10:00:00',
      dateEnd: '2026-03-20 10:30:00',
      assignedUserId: jane!.id,
    }).body as EspoRecord;
    expect(stream(created)).toEqual([]);
    call('PUT', `/Call/${String(created.id)}`, { status: 'Held', assignedUserId: marco!.id });
    expect(stream(created)).toEqual([
      expect.objectContaining({
        type: 'Update',
        data: {
          fields: ['status'],
          attributes: { was: { status: 'Planned' }, became: { status: 'Held' } },
          value: 'Held',
        },
      }),
    ]);
  });
});

describe('converted amounts', () => {
  it('converts with the rates into the default currency; a listed currency without a rate at 1, another at 0', () => {
    Object.assign(crm.settings, { currencyList: ['USD', 'EUR', 'GBP'], currencyRates: { EUR: 1.2 } });
    const [eur, gbp, chf] = crm.seed(
      'Opportunity',
      ['EUR', 'GBP', 'CHF'].map((code) => ({
        name: `In ${code}`,
        amount: 100,
        amountCurrency: code,
        stage: 'Proposal',
        closeDate: '2026-12-01',
      })),
    );
    const read = (id: unknown) => call('GET', `/Opportunity/${String(id)}`).body as Record<string, unknown>;
    expect(read(eur!.id)).toMatchObject({ amountConverted: 120, amountWeightedConverted: 60 });
    expect(read(gbp!.id)).toMatchObject({ amountConverted: 100, amountWeightedConverted: 50 });
    expect(read(chf!.id)).toMatchObject({ amountConverted: 0, amountWeightedConverted: null });
    const listed = call('GET', '/Opportunity', undefined, { select: 'amountConverted', maxSize: '200' }).body as {
      list: Record<string, unknown>[];
    };
    expect(listed.list.find((deal) => deal.id === eur!.id)).toEqual({ id: eur!.id, amountConverted: 120 });
    expect(call('GET', '/App/user').body).toMatchObject({ appParams: { currencyRates: { EUR: '1.200000' } } });

    crm.currencyConverted = false;
    expect(read(eur!.id)).not.toHaveProperty('amountConverted');
  });
});
