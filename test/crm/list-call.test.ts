import { describe, expect, it } from 'vitest';
import { listQueryOf, parseBracketQuery } from '../../src/crm/espo/list-call.js';

describe('a planned list call read back as a ListQuery', () => {
  it('reads EspoCRM-style input: where items, order and size', () => {
    const query = listQueryOf(
      'Opportunity',
      {
        maxSize: 10,
        offset: 20,
        orderBy: 'closeDate',
        order: 'desc',
        where: [
          { type: 'greaterThan', attribute: 'amount', value: 10000 },
          { type: 'in', attribute: 'stage', value: ['Proposal', 'Negotiation'] },
        ],
      },
      true,
    );
    expect(query).toEqual({
      entity: 'Opportunity',
      filters: [
        { field: 'amount', op: 'greaterThan', value: 10000 },
        { field: 'stage', op: 'in', value: ['Proposal', 'Negotiation'] },
      ],
      limit: 10,
      offset: 20,
      sort: { field: 'closeDate', order: 'desc' },
    });
  });

  it('reads isTrue/isFalse and notIn items back as the filters they say', () => {
    expect(
      listQueryOf(
        'Lead',
        {
          maxSize: 5,
          where: [
            { type: 'isTrue', attribute: 'doNotCall' },
            { type: 'isFalse', attribute: 'deleted' },
            { type: 'notIn', attribute: 'status', value: ['Dead'] },
          ],
        },
        false,
      )?.filters,
    ).toEqual([
      { field: 'doNotCall', op: 'equals', value: true },
      { field: 'deleted', op: 'equals', value: false },
      { field: 'status', op: 'notIn', value: ['Dead'] },
    ]);
  });

  it('reads isNull/isNotNull items, which carry no value', () => {
    expect(
      listQueryOf(
        'Lead',
        {
          where: [
            { type: 'isNull', attribute: 'assignedUserId' },
            { type: 'isNotNull', attribute: 'phoneNumber' },
          ],
        },
        false,
      )?.filters,
    ).toEqual([
      { field: 'assignedUserId', op: 'isNull', value: true },
      { field: 'phoneNumber', op: 'isNotNull', value: true },
    ]);
  });

  it('reads Membrane-style input: a filter object and a limit', () => {
    expect(listQueryOf('Contact', { filter: { accountId: 'a1' }, limit: 5 }, false)).toEqual({
      entity: 'Contact',
      filters: [{ field: 'accountId', op: 'equals', value: 'a1' }],
      limit: 5,
      offset: 0,
    });
  });

  it('gives up on what its filters cannot say, so nothing is silently dropped when paging', () => {
    expect(
      listQueryOf(
        'Opportunity',
        { where: [{ type: 'between', attribute: 'closeDate', value: ['2026-12-01', '2026-12-31'] }], maxSize: 10 },
        false,
      ),
    ).toBeUndefined();
    expect(listQueryOf('Contact', { cursor: 'abc', limit: 5 }, true)).toBeUndefined();
    expect(listQueryOf('Lead', { maxSize: 100 }, true)).toBeUndefined();
    expect(
      listQueryOf('Lead', { where: [{ type: 'equals', attribute: 'status; DROP', value: 'New' }], maxSize: 5 }, false),
    ).toBeUndefined();
    expect(listQueryOf('Lead', {}, true)).toBeUndefined();
  });

  it("pages a complete answer without an explicit size at /espo list's page size", () => {
    expect(listQueryOf('Lead', {}, false)).toMatchObject({ limit: 20, offset: 0 });
  });

  it('parses EspoCRM bracket query strings into the same shape', () => {
    expect(
      parseBracketQuery(
        'maxSize=10&where[0][type]=in&where[0][attribute]=status&where[0][value][]=New&where[0][value][]=Assigned&orderBy=name',
      ),
    ).toEqual({
      maxSize: '10',
      orderBy: 'name',
      where: [{ type: 'in', attribute: 'status', value: ['New', 'Assigned'] }],
    });
    expect(
      parseBracketQuery(
        'where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=stage&where%5B0%5D%5Bvalue%5D=Proposal',
      ),
    ).toEqual({
      where: [{ type: 'equals', attribute: 'stage', value: 'Proposal' }],
    });
  });

  it('reads __proto__ and constructor as plain keys: a query string cannot pollute Object.prototype', () => {
    const parsed = parseBracketQuery('__proto__[polluted]=yes&constructor[prototype][bad]=1&where[0][__proto__][x]=1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).bad).toBeUndefined();
    expect(Object.keys(parsed).sort()).toEqual(['__proto__', 'constructor', 'where']);
  });
});
