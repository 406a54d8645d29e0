import { describe, expect, it } from 'vitest';
import {
  isReadAction,
  listInput,
  pageByCursor,
  toPage,
  toRecord,
  toWrittenRecord,
  writeInput,
  type JsonSchema,
} from '../../src/crm/action-io.js';
import { espoListPath, ROUTES, yesNoWhere } from '../../src/crm/espo/routes.js';
import type { ListQuery } from '../../src/core/ports.js';

const base: ListQuery = { entity: 'Lead', filters: [], limit: 10, offset: 0 };

describe('routing table', () => {
  it.each([
    ['list', 'Lead', 'list-leads', 'GET', '/Lead'],
    ['get', 'Contact', 'get-contact', 'GET', '/Contact/x1'],
    ['create', 'Task', 'create-task', 'POST', '/Task'],
    ['update', 'Opportunity', 'update-opportunity', 'PUT', '/Opportunity/x1'],
    ['delete', 'Lead', 'delete-lead', 'DELETE', '/Lead/x1'],
    ['list', 'Opportunity', 'list-opportunities', 'GET', '/Opportunity'],
    ['list', 'Case', 'list-cases', 'GET', '/Case'],
    ['create', 'CProject', 'create-cproject', 'POST', '/CProject'],
  ] as const)('%s %s → %s or %s %s', (operation, entity, key, method, path) => {
    expect(ROUTES[operation].actionKey(entity)).toBe(key);
    expect(ROUTES[operation].rest(entity, 'x1')).toEqual({ method, path });
  });

  it('builds EspoCRM list paths with encoded where brackets', () => {
    const path = espoListPath({
      ...base,
      filters: [
        { field: 'status', op: 'equals', value: 'New' },
        { field: 'source', op: 'in', value: ['Web Site', 'Email'] },
      ],
      sort: { field: 'createdAt', order: 'desc' },
      offset: 20,
    });
    const url = new URL(`http://x${path}`);
    expect(url.pathname).toBe('/Lead');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      maxSize: '10',
      offset: '20',
      orderBy: 'createdAt',
      order: 'desc',
      'where[0][type]': 'equals',
      'where[0][attribute]': 'status',
      'where[0][value]': 'New',
      'where[1][type]': 'in',
      'where[1][attribute]': 'source',
      'where[1][value][0]': 'Web Site',
      'where[1][value][1]': 'Email',
    });
    expect(path).toContain('where%5B0%5D%5Btype%5D=equals');
  });

  it('sends yes/no filters as isTrue/isFalse: a query string has no booleans, and MySQL reads text as 0', () => {
    const url = new URL(
      `http://x${espoListPath({
        ...base,
        filters: [
          { field: 'doNotCall', op: 'equals', value: true },
          { field: 'isActive', op: 'notEquals', value: true },
          { field: 'status', op: 'notIn', value: ['Dead'] },
        ],
      })}`,
    );
    expect(Object.fromEntries([...url.searchParams].filter(([key]) => key.startsWith('where')))).toEqual({
      'where[0][type]': 'isTrue',
      'where[0][attribute]': 'doNotCall',
      'where[1][type]': 'isFalse',
      'where[1][attribute]': 'isActive',
      'where[2][type]': 'notIn',
      'where[2][attribute]': 'status',
      'where[2][value][0]': 'Dead',
    });
  });

  it("uses EspoCRM's textFilter parameter for find", () => {
    expect(espoListPath({ ...base, text: 'acme corp' })).toContain('&textFilter=acme%20corp');
  });

  it("turns the planner's where items on yes/no fields into isTrue/isFalse, in groups too, and leaves the rest", () => {
    const where = [
      { type: 'equals', attribute: 'isActive', value: 'true' },
      { type: 'notEquals', attribute: 'isActive', value: true },
      {
        type: 'or',
        value: [
          { type: 'equals', attribute: 'isActive', value: 0 },
          { type: 'equals', attribute: 'userName', value: 'true' },
        ],
      },
      { type: 'equals', attribute: 'isActive', value: 'maybe' },
      { type: 'isTrue', attribute: 'isActive' },
    ];
    expect(yesNoWhere('User', where)).toEqual([
      { type: 'isTrue', attribute: 'isActive' },
      { type: 'isFalse', attribute: 'isActive' },
      {
        type: 'or',
        value: [
          { type: 'isFalse', attribute: 'isActive' },
          { type: 'equals', attribute: 'userName', value: 'true' },
        ],
      },
      { type: 'equals', attribute: 'isActive', value: 'maybe' },
      { type: 'isTrue', attribute: 'isActive' },
    ]);
    expect(yesNoWhere('Lead', [{ type: 'equals', attribute: 'doNotCall', value: 'false' }])).toEqual([
      { type: 'isFalse', attribute: 'doNotCall' },
    ]);
    // An entity whose fields the bot does not know is sent as written.
    expect(yesNoWhere('CProject', [{ type: 'equals', attribute: 'isActive', value: 'true' }])).toEqual([
      { type: 'equals', attribute: 'isActive', value: 'true' },
    ]);
  });
});

const espoList: JsonSchema = {
  type: 'object',
  properties: {
    maxSize: { type: 'integer', maximum: 200 },
    offset: { type: 'integer' },
    orderBy: { type: 'string' },
    order: { type: 'string' },
    where: { type: 'array' },
  },
  additionalProperties: false,
};
const cursorOnlyList: JsonSchema = {
  type: 'object',
  properties: { filter: { type: 'object', properties: { status: { type: 'string' } } }, cursor: { type: 'string' } },
  additionalProperties: false,
};
const membraneList: JsonSchema = {
  type: 'object',
  properties: {
    filter: {
      type: 'object',
      properties: { status: { type: 'string' }, priority: { type: 'string' } },
      additionalProperties: false,
    },
    cursor: { type: 'string' },
    limit: { type: 'integer', maximum: 5 },
  },
  additionalProperties: false,
};

describe('action inputs from the action schema', () => {
  it('speaks EspoCRM list parameters when the schema has where', () => {
    expect(
      listInput(espoList, {
        ...base,
        filters: [{ field: 'status', op: 'equals', value: 'New' }],
        sort: { field: 'name', order: 'asc' },
      })?.input,
    ).toEqual({
      maxSize: 10,
      orderBy: 'name',
      order: 'asc',
      where: [{ type: 'equals', attribute: 'status', value: 'New' }],
    });
  });

  it("speaks Membrane's filter/cursor dialect", () => {
    const five = { ...base, limit: 5 };
    expect(
      listInput(membraneList, { ...five, filters: [{ field: 'status', op: 'equals', value: 'Started' }] }),
    ).toEqual({ input: { limit: 5, filter: { status: 'Started' } }, paging: 'sized' });
    expect(listInput(membraneList, { ...five, offset: 5, cursor: 'c2' })).toEqual({
      input: { limit: 5, cursor: 'c2' },
      paging: 'sized',
    });
  });

  it("pages by cursor an action that takes no page size, as Membrane's own list request", () => {
    expect(
      listInput(cursorOnlyList, { ...base, filters: [{ field: 'status', op: 'equals', value: 'Started' }] }),
    ).toEqual({ input: { filter: { status: 'Started' } }, paging: 'cursor' });
    // A later page needs the position this adapter gave out; an offset alone is the proxy's.
    expect(listInput(cursorOnlyList, { ...base, offset: 10 })).toBeUndefined();
    expect(listInput({ properties: { filter: {} } }, base)).toBeUndefined();
  });

  it('leaves to the proxy a page size or sort order the action cannot honour', () => {
    expect(listInput(membraneList, { ...base, limit: 10 })).toBeUndefined();
    const noOrder: JsonSchema = { properties: { maxSize: {}, orderBy: {}, where: {} } };
    expect(listInput(noOrder, { ...base, sort: { field: 'name', order: 'desc' } })).toBeUndefined();
    expect(listInput(noOrder, { ...base, sort: { field: 'name', order: 'asc' } })?.input).toEqual({
      maxSize: 10,
      orderBy: 'name',
    });
    expect(listInput({ properties: { where: {} } }, base)).toBeUndefined();
  });

  it('returns undefined (use the proxy) when the schema cannot carry the request', () => {
    expect(
      listInput(membraneList, { ...base, filters: [{ field: 'dateEnd', op: 'equals', value: 'x' }] }),
    ).toBeUndefined();
    expect(
      listInput(membraneList, { ...base, filters: [{ field: 'status', op: 'notEquals', value: 'x' }] }),
    ).toBeUndefined();
    expect(listInput(membraneList, { ...base, sort: { field: 'name', order: 'asc' } })).toBeUndefined();
    expect(listInput(membraneList, { ...base, text: 'acme' })).toBeUndefined();
    expect(listInput(espoList, { ...base, text: 'acme' })).toBeUndefined();
    expect(
      listInput({ properties: {} }, { ...base, filters: [{ field: 'a', op: 'equals', value: 1 }] }),
    ).toBeUndefined();
  });

  it('cuts pages of any size from action pages of another size, with a position as the cursor', async () => {
    const all = Array.from({ length: 23 }, (_, i) => ({ id: `r${i}`, name: `Record ${i}` }));
    const calls: unknown[] = [];
    // The action's own pages hold 4 records; its cursor is the next offset.
    const run = async (input: Record<string, unknown>) => {
      calls.push(input);
      const at = Number(input.cursor ?? 0);
      return { records: all.slice(at, at + 4), ...(at + 4 < all.length ? { cursor: String(at + 4) } : {}) };
    };
    const seen: string[] = [];
    let query: ListQuery = { ...base, limit: 10 };
    for (;;) {
      const page = (await pageByCursor(query, { filter: {} }, run))!;
      expect(page.total).toBeUndefined();
      seen.push(...page.records.map((r) => r.id));
      if (!page.hasMore) break;
      expect(page.records).toHaveLength(10);
      query = { ...query, offset: query.offset + 10, cursor: page.nextCursor };
      expect(listInput(cursorOnlyList, query)?.paging).toBe('cursor');
    }
    expect(seen).toEqual(all.map((r) => r.id));
    expect(calls[0]).toEqual({ filter: {} });
    // Output it cannot read is no page at all.
    expect(await pageByCursor(base, {}, async () => 'nonsense')).toBeUndefined();
  });

  it('writes flat or nested fields, and refuses fields the schema would silently drop', () => {
    const flat: JsonSchema = {
      properties: { id: {}, name: { type: 'string' }, amount: { type: 'number' } },
      additionalProperties: false,
    };
    const nested: JsonSchema = { properties: { id: {}, fields: { properties: { name: {}, status: {} } } } };
    expect(writeInput(flat, { name: 'X', amount: '12' })).toEqual({ name: 'X', amount: 12 });
    expect(writeInput(flat, { name: 'X' }, 'id1')).toEqual({ id: 'id1', name: 'X' });
    expect(writeInput(flat, { id: 'other', name: 'X' }, 'id1')).toEqual({ id: 'id1', name: 'X' });
    expect(writeInput(nested, { name: 'X' }, 'id1')).toEqual({ id: 'id1', fields: { name: 'X' } });
    expect(writeInput(flat, { unknownField: 1 })).toBeUndefined();
    expect(writeInput({ properties: { fields: {} } }, { name: 'X' }, 'id1')).toBeUndefined();
  });
});

describe('action outputs in any shape', () => {
  it('reads records flat, nested under fields, or rawFields', () => {
    expect(toRecord({ id: 'a', name: 'Bob', status: 'New' })).toEqual({
      id: 'a',
      name: 'Bob',
      fields: { id: 'a', name: 'Bob', status: 'New' },
    });
    expect(toRecord({ id: 'a', name: 'Bob', fields: { status: 'New' } })).toEqual({
      id: 'a',
      name: 'Bob',
      fields: { status: 'New' },
    });
    expect(toRecord({ id: 7, rawFields: { name: 'Raw' } })).toEqual({ id: '7', name: 'Raw', fields: { name: 'Raw' } });
    expect(toRecord({ name: 'no id' })).toBeUndefined();
  });

  it('reads pages with totals, cursors, or neither', () => {
    expect(toPage({ total: 57, list: [{ id: '1' }] }, base)).toMatchObject({ total: 57, hasMore: true });
    expect(toPage({ total: 1, list: [{ id: '1' }] }, base)).toMatchObject({ total: 1, hasMore: false });
    expect(toPage({ total: -1, list: [{ id: '1' }] }, base)).toMatchObject({ total: undefined, hasMore: true });
    expect(toPage({ records: [{ id: '1' }], cursor: 'n' }, base)).toMatchObject({ nextCursor: 'n', hasMore: true });
    expect(toPage({ records: [{ id: '1' }] }, base)).toMatchObject({ hasMore: false });
    expect(toPage([{ id: '1' }], base)?.records).toHaveLength(1);
    expect(toPage({ weird: true }, base)).toBeUndefined();
  });

  it('merges what was sent when a create answers only an id', () => {
    expect(toWrittenRecord({ id: 'n1' }, { name: 'Call Bob' })).toEqual({
      id: 'n1',
      name: 'Call Bob',
      fields: { name: 'Call Bob', id: 'n1' },
    });
    expect(toWrittenRecord({ record: { id: 'n2', name: 'Z' } }, {})).toMatchObject({ id: 'n2', name: 'Z' });
  });
});

describe('read or write, from what Membrane says about an action', () => {
  it('trusts a data-record type, whatever the key says', () => {
    expect(isReadAction({ key: 'do-something', type: 'list-data-records' })).toBe(true);
    expect(isReadAction({ key: 'find-or-create-lead', type: 'find-or-create-data-record' })).toBe(false);
    expect(isReadAction({ key: 'get-lead', type: 'delete-data-record' })).toBe(false);
  });

  it.each([
    ['list-leads', undefined, true],
    ['get-lead', 'connector-operation', true],
    ['search-contacts', 'api-request-to-external-app', true],
    ['find-or-create-lead', undefined, false],
    ['get-or-create-contact', 'connector-operation', false],
    ['list-and-archive-leads', undefined, false],
    ['create-lead', undefined, false],
    ['sync-leads', 'some-future-type', false],
    ['leads-report', undefined, false],
  ])('without a data-record type, %s (type %s) is a read: %s', (key, type, read) => {
    expect(isReadAction({ key, ...(type ? { type } : {}) })).toBe(read);
  });

  it('reads when the input is only a query, and never when it is empty or carries fields', () => {
    expect(isReadAction({ key: 'leads-report', inputSchema: { properties: { filter: {}, cursor: {} } } })).toBe(true);
    expect(isReadAction({ key: 'leads-report', inputSchema: { properties: { filter: {}, status: {} } } })).toBe(false);
    expect(isReadAction({ key: 'leads-report', inputSchema: { properties: {} } })).toBe(false);
    expect(isReadAction({ key: 'purge-leads', inputSchema: { properties: { filter: {} } } })).toBe(false);
  });
});
