// Drives the fake with the real @membranehq/sdk, so the fake stays faithful to the paths, bodies and
// error handling the SDK actually uses.
import { ActionRunError, BadRequestError, ConnectionError, MembraneClient } from '@membranehq/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EspoRecord } from '../../../fakes/espocrm/model.js';
import { signWorkspaceToken, startFakeMembrane, type FakeMembrane } from '../../../fakes/membrane/server.js';
import { failure } from '../../support/failure.js';

const WORKSPACE_KEY = 'ws-key';
const WORKSPACE_SECRET = 'ws-secret';
const APP_URL = 'https://www.espocrm.com/';

let fake: FakeMembrane;
let client: MembraneClient;

const clientFor = (tenantKey: string, secret = WORKSPACE_SECRET) =>
  new MembraneClient({ workspaceKey: WORKSPACE_KEY, workspaceSecret: secret, tenantKey, apiUri: fake.url });

async function ensure(c: MembraneClient = client): Promise<string> {
  const connection = await c.post<{ id: string; state: string }>('/connections/ensure', { appUrl: APP_URL });
  return connection.id;
}

beforeEach(async () => {
  fake = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
  client = clientFor('T1');
});

afterEach(async () => {
  await fake.close();
});

describe('connections', () => {
  it('ensure creates one READY connection per tenant and returns it again', async () => {
    const connection = await client.post('/connections/ensure', { appUrl: APP_URL });
    expect(connection).toMatchObject({ id: 'conn_1', name: 'EspoCRM', state: 'READY', disconnected: false });
    expect((await client.post('/connections/ensure', { appUrl: APP_URL })).id).toBe(connection.id);
    expect(await client.connection(connection.id).get()).toMatchObject({ id: connection.id, state: 'READY' });
    expect(fake.tenant('T1').connection?.id).toBe(connection.id);
  });

  it('a BUILDING connection turns READY after the configured number of polls', async () => {
    fake.tenant('T1').ensureState = { state: 'BUILDING', buildingPolls: 2 };
    const id = await ensure();
    expect(fake.tenant('T1').connection?.state).toBe('BUILDING');
    expect((await client.get(`/connections/${id}`, { wait: true, timeout: 30 })).state).toBe('BUILDING');
    expect((await client.connection(id).get()).state).toBe('READY');
  });

  it('reports client actions and setup errors, and setConnectionState changes the live connection', async () => {
    fake.tenant('T1').setConnectionState('CLIENT_ACTION_REQUIRED', { uiUrl: 'https://ui.example/connect' });
    const id = await ensure();
    expect(await client.connection(id).get()).toMatchObject({
      state: 'CLIENT_ACTION_REQUIRED',
      clientAction: {
        type: 'connect',
        description: 'Connect your EspoCRM instance',
        uiUrl: 'https://ui.example/connect',
      },
    });
    fake.tenant('T1').setConnectionState('SETUP_FAILED', { message: 'Bad API key' });
    const connection = await client.connection(id).get();
    expect(connection).toMatchObject({ state: 'SETUP_FAILED', error: { message: 'Bad API key' } });
    expect(connection.clientAction).toBeUndefined();
  });

  it('archive hides the connection; the next ensure creates a new one', async () => {
    const id = await ensure();
    await client.connection(id).archive();
    const error = await failure(client.connection(id).get());
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.data).toMatchObject({ type: 'bad_request', key: 'not_found', message: 'Connection not found' });
    expect(await ensure()).not.toBe(id);
  });

  it('isolates tenants: T2 can neither see nor use T1 connection', async () => {
    const id = await ensure();
    const t2 = clientFor('T2');
    expect((await failure(t2.connection(id).get())).data.key).toBe('not_found');
    expect((await failure(t2.action('list-leads').run({}, { connectionId: id }))).data.key).toBe('not_found');
    expect((await failure(t2.connection(id).proxy.get('/Lead'))).data.key).toBe('not_found');

    const t2Connection = await ensure(t2);
    const assignedUserId = String(fake.tenant('T2').espo.all('User')[0]!.id);
    await t2.action('create-task').run({ fields: { name: 'T2 only', assignedUserId } }, { connectionId: t2Connection });
    expect(
      fake
        .tenant('T2')
        .espo.all('Task')
        .map((t) => t.name),
    ).toContain('T2 only');
    expect(
      fake
        .tenant('T1')
        .espo.all('Task')
        .map((t) => t.name),
    ).not.toContain('T2 only');
  });
});

describe('actions', () => {
  let connectionId: string;
  beforeEach(async () => {
    connectionId = await ensure();
  });

  it('lists the 20-action catalog with schemas, and ranks intent searches', async () => {
    const all = await client.actions.find({ connectionId, limit: 100 });
    expect(all.items).toHaveLength(20);
    expect(all.cursor).toBeUndefined();
    const firstPage = await client.actions.find({ connectionId, limit: 8 });
    expect(firstPage.items).toHaveLength(8);
    const secondPage = await client.actions.find({ connectionId, limit: 8, cursor: firstPage.cursor });
    expect(secondPage.items[0]!.key).toBe(all.items[8]!.key);
    expect(all.items.every((a) => a.inputSchema && a.outputSchema && a.id === `act_${a.key}`)).toBe(true);

    const leads = await client.actions.find({ connectionId, intent: 'list leads', limit: 5 });
    expect(leads.items.map((a) => a.key)).toEqual([
      'list-leads',
      'get-lead',
      'create-lead',
      'update-lead',
      'list-users',
    ]);
    expect((await client.actions.find({ connectionId, intent: 'show my deals' })).items[0]?.key).toBe(
      'list-opportunities',
    );
    expect((await client.actions.find({ connectionId, intent: 'add a company' })).items[0]?.key).toBe('create-account');
    expect((await client.actions.find({ connectionId, intent: 'weather forecast' })).items).toEqual([]);
  });

  it("carries schemas as large as Membrane's: list filters of a dozen fields, every writable field on create and update", async () => {
    const { items } = await client.actions.find({ connectionId, limit: 100 });
    const input = (key: string) =>
      items.find((a) => a.key === key)!.inputSchema as {
        properties: Record<string, { properties?: Record<string, unknown> }>;
      };
    for (const key of ['list-leads', 'list-opportunities', 'list-tasks', 'list-accounts', 'list-contacts']) {
      expect(Object.keys(input(key).properties.filter!.properties!).length, key).toBeGreaterThanOrEqual(12);
    }
    expect(Object.keys(input('create-lead').properties)).toEqual(
      expect.arrayContaining(['industry', 'createdAccountId', 'addressPostalCode', 'opportunityAmountCurrency']),
    );
    expect(Object.keys(input('create-account').properties.fields!.properties!)).toHaveLength(19);
    // DataSchema annotations real action schemas carry, none of which OpenAI's strict mode takes.
    expect(input('create-lead').properties.status).toMatchObject({ title: 'Status', default: 'New' });
    expect(input('update-lead').properties.assignedUserId).toMatchObject({ referenceCollection: { key: 'User' } });
  });

  it('runs an espo-style list with an equality filter beside where', async () => {
    const where = [{ type: 'equals', attribute: 'status', value: 'New' }];
    const { output } = await client
      .action('list-leads')
      .run({ where, filter: { source: 'Web Site' } }, { connectionId });
    expect(output.list.length).toBeGreaterThan(0);
    expect(output.list.every((l: EspoRecord) => l.status === 'New' && l.source === 'Web Site')).toBe(true);
  });

  it('gets one action by key or id', async () => {
    expect(await client.action('get-contact').get()).toMatchObject({
      key: 'get-contact',
      type: 'find-data-record-by-id',
    });
    expect((await client.action('act_get-contact').get()).key).toBe('get-contact');
    expect((await failure(client.action('delete-lead').get())).data.key).toBe('not_found');
  });

  it('runs espo-style list-leads with where and maxSize', async () => {
    const where = [{ type: 'equals', attribute: 'status', value: 'New' }];
    const { output, actionRunId } = await client.action('list-leads').run({ maxSize: 5, where }, { connectionId });
    expect(actionRunId).toMatch(/^run_/);
    expect(output.total).toBe(8);
    expect(output.list).toHaveLength(5);
    expect(output.list.every((l: EspoRecord) => l.status === 'New')).toBe(true);
  });

  it('runs membrane-style create-task, get-task and update-task', async () => {
    // A task is assigned to someone (Task.json: assignedUser required), so the schema requires the id.
    expect(
      (await failure(client.action('create-task').run({ fields: { name: 'Call Bob' } }, { connectionId }))).data
        .message,
    ).toContain('assignedUserId');
    const assignedUserId = String(fake.tenant('T1').espo.all('User')[0]!.id);
    const created = await client
      .action('create-task')
      .run({ fields: { name: 'Call Bob', assignedUserId } }, { connectionId });
    expect(created.output).toEqual({ id: expect.stringMatching(/^[0-9a-f]{17}$/) });
    const { id } = created.output as { id: string };
    expect(fake.tenant('T1').espo.get('Task', id)).toMatchObject({ name: 'Call Bob', status: 'Not Started' });

    await client.action('update-task').run({ id, fields: { status: 'Completed' } }, { connectionId });
    const { output } = await client.action('get-task').run({ id }, { connectionId });
    expect(output.record).toMatchObject({ id, name: 'Call Bob', fields: { status: 'Completed', isOverdue: false } });
  });

  it('pages membrane-style lists with an opaque cursor and no total', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { output } = await client
        .action('list-contacts')
        .run({ limit: 4, ...(cursor ? { cursor } : {}) }, { connectionId });
      expect(output).not.toHaveProperty('total');
      seen.push(...output.records.map((r: { id: string }) => r.id));
      cursor = output.cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(10);

    const acme = fake
      .tenant('T1')
      .espo.all('Account')
      .find((a) => a.name === 'Acme Corp')!;
    const filtered = await client.action('list-contacts').run({ filter: { accountId: acme.id } }, { connectionId });
    expect(filtered.output.records.map((r: { name: string }) => r.name).sort()).toEqual([
      'Alice Johnson',
      'Bob Martinez',
    ]);
  });

  it('runs espo-style get/update on flat records', async () => {
    const lead = fake
      .tenant('T1')
      .espo.all('Lead')
      .find((l) => l.name === 'Liam Carter')!;
    const got = await client.action('get-lead').run({ id: lead.id }, { connectionId });
    expect(got.output).toMatchObject({ id: lead.id, name: 'Liam Carter', status: 'New' });
    const updated = await client.action('update-lead').run({ id: lead.id, status: 'In Process' }, { connectionId });
    expect(updated.output).toMatchObject({ id: lead.id, status: 'In Process' });
  });

  it('rejects input that does not match the inputSchema', async () => {
    const cases: [string, unknown][] = [
      ['list-leads', { maxSize: 500 }],
      ['list-leads', { textFilter: 'acme' }],
      ['list-tasks', { filter: { status: 'Someday' } }],
      ['create-task', { fields: {} }],
      ['create-opportunity', { name: 'X', amount: 'lots', closeDate: '2026-01-01' }],
      ['get-lead', {}],
    ];
    for (const [key, input] of cases) {
      const error = await failure(client.action(key).run(input, { connectionId }));
      expect(error, key).toBeInstanceOf(BadRequestError);
      expect(error.data.key, key).toBe('invalid_input');
      expect(error.data.message, key).toMatch(/^Invalid input: /);
    }
  });

  it('wraps EspoCRM errors in an action_run error with the response', async () => {
    const error = await failure(
      client.action('create-account').run({ fields: { name: 'Acme Corp' } }, { connectionId }),
    );
    expect(error).toBeInstanceOf(ActionRunError);
    expect(error.data.data.response).toMatchObject({ status: 409, headers: { 'x-status-reason': 'duplicate' } });
    expect(error.data.data.response.data[0].name).toBe('Acme Corp');

    const missing = await failure(client.action('get-contact').run({ id: 'nope' }, { connectionId }));
    expect(missing.data).toMatchObject({ type: 'action_run', data: { response: { status: 404 } } });
  });

  it('refuses to run on a connection that is not ready, with a typed ConnectionError', async () => {
    fake.tenant('T1').setConnectionState('CLIENT_ACTION_REQUIRED');
    const error = await failure(client.action('list-leads').run({}, { connectionId }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.isMembraneError).toBe(true);
    expect(error.data).toMatchObject({ type: 'connection', key: 'connection_is_defunct' });
    expect((await failure(client.connection(connectionId).proxy.get('/Lead'))).data.type).toBe('connection');
  });

  it('offers the catalog untyped, with generic types, or with cursor-only lists', async () => {
    const tenant = fake.tenant('T1');
    tenant.setCatalog({ types: 'none' });
    expect((await client.actions.find({ connectionId, limit: 100 })).items.every((a) => a.type === undefined)).toBe(
      true,
    );
    tenant.setCatalog({ types: 'generic' });
    expect(new Set((await client.actions.find({ connectionId, limit: 100 })).items.map((a) => a.type))).toEqual(
      new Set(['connector-operation']),
    );

    tenant.setCatalog({ lists: 'cursor-only' });
    tenant.listPageSize = 4;
    const listContacts = (await client.action('list-contacts').get()) as {
      inputSchema: { properties: Record<string, unknown> };
    };
    expect(Object.keys(listContacts.inputSchema.properties).sort()).toEqual(['cursor', 'filter']);
    expect((await failure(client.action('list-contacts').run({ limit: 2 }, { connectionId }))).data.key).toBe(
      'invalid_input',
    );
    const first = await client.action('list-contacts').run({}, { connectionId });
    expect(first.output.records).toHaveLength(4);
    const second = await client.action('list-contacts').run({ cursor: first.output.cursor }, { connectionId });
    expect(second.output.records[0].id).not.toBe(first.output.records[0].id);
  });

  it('can fail a run after it did its work, as a connector whose response handler trips', async () => {
    const before = fake.tenant('T1').espo.all('Task').length;
    fake.failNext(
      { method: 'POST', pathPrefix: '/actions/create-task/run' },
      {
        status: 400,
        body: { type: 'connection', key: 'connection_is_defunct', message: 'EspoCRM answered 401' },
        afterHandling: true,
      },
    );
    const assignedUserId = String(fake.tenant('T1').espo.all('User')[0]!.id);
    const error = await failure(
      client.action('create-task').run({ fields: { name: 'Written anyway', assignedUserId } }, { connectionId }),
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(fake.tenant('T1').espo.all('Task')).toHaveLength(before + 1);
  });

  it('serves the proxy path when a test removes an action', async () => {
    const tenant = fake.tenant('T1');
    tenant.actions = tenant.actions.filter((a) => a.key !== 'list-leads');
    expect((await failure(client.action('list-leads').run({}, { connectionId }))).data.key).toBe('not_found');
    expect((await client.connection(connectionId).proxy.get('/Lead?maxSize=1')).total).toBe(25);
  });
});

describe('proxy to EspoCRM', () => {
  let connectionId: string;
  beforeEach(async () => {
    connectionId = await ensure();
  });
  const proxy = () => client.connection(connectionId).proxy;

  it('forwards list queries in bracket notation, encoded or not', async () => {
    const encoded = await proxy().get(
      '/Lead?maxSize=2&offset=0&orderBy=name&order=asc&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=status&where%5B0%5D%5Bvalue%5D=New',
    );
    expect(encoded.total).toBe(8);
    expect(encoded.list.map((l: EspoRecord) => l.name)).toEqual([
      '<!channel> *bold* <http://evil|click>',
      'Amelia Nakamura',
    ]);
    const raw = await proxy().get(
      '/Lead?maxSize=2&orderBy=name&where[0][type]=equals&where[0][attribute]=status&where[0][value]=New',
    );
    expect(raw).toEqual(encoded);
    expect(await proxy().get('/App/user')).toMatchObject({ user: { userName: 'jsmith' } });
  });

  it('passes EspoCRM errors through verbatim (no Membrane envelope)', async () => {
    const duplicate = await failure(proxy().post('/Account', { name: 'Acme Corp' }));
    expect(duplicate.isMembraneError).toBeUndefined();
    expect(duplicate.response.status).toBe(409);
    expect(duplicate.response.headers['x-status-reason']).toBe('duplicate');
    expect(duplicate.response.data[0].name).toBe('Acme Corp');

    const missing = await failure(proxy().get('/Lead/00000000000000000'));
    expect(missing.response.status).toBe(404);

    const invalid = await failure(proxy().post('/Opportunity', { name: 'No amount', closeDate: '2026-05-01' }));
    expect(invalid.response.status).toBe(400);
    expect(invalid.response.headers['x-status-reason']).toBe('validationFailure');
    expect(invalid.response.data.messageTranslation.data).toEqual({ field: 'amount', type: 'required' });

    const tooMany = await failure(proxy().get('/Lead?maxSize=500'));
    expect(tooMany.response.status).toBe(403);

    const unknown = await failure(
      proxy().get('/Lead?where[0][type]=equals&where[0][attribute]=na%C3%AFve&where[0][value]=x'),
    );
    expect(unknown.response.status).toBe(400);
    expect(unknown.response.headers['x-status-reason']).toBe("Bad where item. Unknown attribute 'na?ve'.");
  });

  it('takes paths under /api/v1 when the connection points at the site rather than its API', async () => {
    expect((await proxy().get('/User?maxSize=1')).list).toHaveLength(1);
    fake.tenant('T1').proxyBase = 'site';
    expect((await failure(proxy().get('/User?maxSize=1'))).response.status).toBe(404);
    expect((await proxy().get('/api/v1/User?maxSize=1')).list).toHaveLength(1);
  });

  it('forwards X-Skip-Duplicate-Check and writes through to the tenant data', async () => {
    const path = `/connections/${connectionId}/proxy/Account`;
    const created = await client.post(path, { name: 'Acme Corp' }, { headers: { 'X-Skip-Duplicate-Check': 'true' } });
    expect(created).toMatchObject({ name: 'Acme Corp' });
    const updated = await proxy().patch(`/Account/${created.id}`, { industry: 'Retail' });
    expect(updated.industry).toBe('Retail');
    expect(await proxy().delete(`/Account/${created.id}`)).toBe(true);
    expect(fake.tenant('T1').espo.get('Account', created.id)).toBeUndefined();
  });
});

describe('auth', () => {
  it('rejects a token signed with the wrong secret, an expired token and a foreign issuer', async () => {
    const wrongSecret = await failure(
      clientFor('T1', 'not-the-secret').post('/connections/ensure', { appUrl: APP_URL }),
    );
    expect(wrongSecret).toBeInstanceOf(BadRequestError);
    expect(wrongSecret.data).toEqual({ type: 'bad_request', key: 'not_authenticated', message: 'Not authenticated' });

    const exp = Math.floor(Date.now() / 1000);
    for (const payload of [
      { id: 'T1', iss: WORKSPACE_KEY, exp: exp - 10 },
      { id: 'T1', iss: 'other', exp: exp + 600 },
    ]) {
      const token = signWorkspaceToken(payload, WORKSPACE_SECRET);
      const error = await failure(new MembraneClient({ token, apiUri: fake.url }).get('/actions'));
      expect(error.data.key).toBe('not_authenticated');
    }
    expect(fake.calls.every((c) => c.tenant === undefined)).toBe(true);
  });

  it('accepts a static token as tenant "static"', async () => {
    const staticFake = await startFakeMembrane({ staticToken: 'pat-test-token' });
    try {
      const staticClient = new MembraneClient({ token: 'pat-test-token', apiUri: staticFake.url });
      await staticClient.post('/connections/ensure', { appUrl: APP_URL });
      expect(staticFake.tenant('static').connection?.state).toBe('READY');
      expect(staticFake.calls[0]?.tenant).toBe('static');
    } finally {
      await staticFake.close();
    }
  });
});

describe('recording and fault injection', () => {
  it('records calls with path, parsed query, tenant and body', async () => {
    const connectionId = await ensure();
    fake.resetCalls();
    await client.action('list-leads').run({ maxSize: 1 }, { connectionId });
    expect(fake.calls).toEqual([
      {
        method: 'POST',
        path: '/actions/list-leads/run',
        query: { connectionId },
        tenant: 'T1',
        body: { input: { maxSize: 1 } },
        at: expect.any(Number),
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('failNext answers matching requests with a scripted response, N times', async () => {
    const connectionId = await ensure();
    fake.failNext(
      { method: 'POST', pathPrefix: '/actions/', times: 2 },
      { status: 503, body: { error: 'unavailable' } },
    );
    for (let i = 0; i < 2; i++) {
      const error = await failure(client.action('list-leads').run({}, { connectionId }));
      expect(error.isMembraneError).toBeUndefined();
      expect(error.response.status).toBe(503);
    }
    expect((await client.action('list-leads').run({ maxSize: 1 }, { connectionId })).output.total).toBe(25);

    fake.failNext({ pathPrefix: '/connections' }, { status: 500, body: { type: 'internal', message: 'boom' } });
    expect((await failure(client.connection(connectionId).get())).data.message).toBe('boom');
  });

  it('failNext can drop the connection or delay; latencyMs slows every response', async () => {
    fake.failNext({}, { status: 200, dropConnection: true });
    const dropped = await failure(client.get('/actions'));
    expect(dropped.response).toBeUndefined();
    expect(dropped.code).toBeDefined();

    fake.failNext({}, { status: 200, body: { items: [] }, delayMs: 60 });
    let started = Date.now();
    expect(await client.get('/actions')).toEqual({ items: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);

    fake.latencyMs = 60;
    started = Date.now();
    await client.get('/actions');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('answers malformed JSON with 400 and unknown routes with 404', async () => {
    const authorization = `Bearer ${signWorkspaceToken({ id: 'T1', iss: WORKSPACE_KEY, exp: Math.floor(Date.now() / 1000) + 600 }, WORKSPACE_SECRET)}`;
    const bad = await fetch(`${fake.url}/connections/ensure`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'bad_request' });
    const unknown = await failure(client.get('/flows'));
    expect(unknown.data).toEqual({ type: 'bad_request', key: 'not_found', message: 'Not found' });
  });
});
