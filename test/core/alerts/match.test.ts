import { describe, expect, it } from 'vitest';
import {
  attributesOfField,
  describeRule,
  eventMatches,
  fieldOfAttribute,
  filterHolds,
  filtersHold,
  polledKind,
  watchedFields,
} from '../../../src/core/alerts/match.js';
import type { AlertRule, CrmChange } from '../../../src/core/alerts/types.js';

const change = (over: Partial<CrmChange>): CrmChange => ({
  entity: 'Opportunity',
  kind: 'updated',
  recordId: 'r1',
  attributes: { id: 'r1' },
  source: 'webhook',
  ...over,
});
const rule = (over: Partial<AlertRule>): AlertRule => ({
  entity: 'Opportunity',
  event: 'updated',
  filters: [],
  ...over,
});

describe('alert matching', () => {
  it('maps a link attribute to its field', () => {
    const isLink = (f: string) => f === 'assignedUser' || f === 'account';
    expect(fieldOfAttribute('assignedUserId', isLink)).toBe('assignedUser');
    expect(fieldOfAttribute('accountName', isLink)).toBe('account');
    expect(fieldOfAttribute('stage', isLink)).toBe('stage');
    expect(fieldOfAttribute('externalId', isLink)).toBe('externalId');
  });

  it('lets each rule answer to its own webhook only', () => {
    const stage = change({ field: 'stage', attributes: { id: 'r1', stage: 'Closed Won' } });
    const any = change({ attributes: { id: 'r1', stage: 'Closed Won' } });
    expect(eventMatches(rule({ field: 'stage' }), stage)).toBe(true);
    expect(eventMatches(rule({ field: 'stage' }), any)).toBe(false);
    expect(eventMatches(rule({}), any)).toBe(true);
    expect(eventMatches(rule({}), stage)).toBe(false);
    expect(eventMatches(rule({ entity: 'Lead' }), any)).toBe(false);
    expect(eventMatches(rule({ event: 'created' }), change({ kind: 'created' }))).toBe(true);
    expect(eventMatches(rule({ event: 'deleted' }), change({ kind: 'deleted' }))).toBe(true);
    expect(eventMatches(rule({ event: 'created' }), any)).toBe(false);
  });

  it('counts assignment on create (when assigned) and on a change of the assignee', () => {
    const assigned = rule({ entity: 'Task', event: 'assigned' });
    expect(
      eventMatches(
        assigned,
        change({ entity: 'Task', kind: 'created', attributes: { id: 't', assignedUserId: 'u1' } }),
      ),
    ).toBe(true);
    expect(
      eventMatches(
        assigned,
        change({ entity: 'Task', kind: 'created', attributes: { id: 't', assignedUserId: null } }),
      ),
    ).toBe(false);
    expect(eventMatches(assigned, change({ entity: 'Task', field: 'assignedUser' }))).toBe(true);
    expect(eventMatches(assigned, change({ entity: 'Task', field: 'status' }))).toBe(false);
  });

  it('polling tells a watched field changed by the value the last poll saw', () => {
    const polled = (changed?: string[]) =>
      change({ source: 'polling', attributes: { id: 'r1', stage: 'Closed Won' }, ...(changed ? { changed } : {}) });
    expect(eventMatches(rule({ field: 'stage' }), polled())).toBe(true);
    expect(eventMatches(rule({ field: 'stage' }), polled(['stage']))).toBe(true);
    expect(eventMatches(rule({ field: 'stage' }), polled([]))).toBe(false);
    expect(eventMatches(rule({}), polled([]))).toBe(true);
    expect(
      eventMatches(
        rule({ entity: 'Task', event: 'assigned' }),
        change({ entity: 'Task', source: 'polling', changed: ['status'] }),
      ),
    ).toBe(false);
    expect(
      eventMatches(
        rule({ entity: 'Task', event: 'assigned' }),
        change({ entity: 'Task', source: 'polling', changed: ['assignedUser'] }),
      ),
    ).toBe(true);
    const rules = [
      rule({ field: 'stage' }),
      rule({ event: 'assigned' }),
      rule({ field: 'stage' }),
      rule({ entity: 'Lead', field: 'status' }),
      rule({}),
    ];
    expect(watchedFields(rules, 'Opportunity')).toEqual(['stage', 'assignedUser']);
    expect(attributesOfField('account', 'link')).toEqual(['accountId']);
    expect(attributesOfField('amount', 'currency')).toEqual(['amount', 'amountCurrency']);
    expect(attributesOfField('assignedUser', undefined)).toEqual(['assignedUserId']);
    const cursor = { at: '2026-01-02 09:00:00', ids: ['seen'] };
    expect(polledKind({ id: 'r', fields: { createdAt: '2026-01-02 10:00:00' } }, cursor)).toBe('created');
    expect(polledKind({ id: 'r', fields: { createdAt: '2026-01-01 10:00:00' } }, cursor)).toBe('updated');
    // Created in the cursor's own second: new unless the last round saw it (then this is an update).
    expect(polledKind({ id: 'r', fields: { createdAt: '2026-01-02 09:00:00' } }, cursor)).toBe('created');
    expect(polledKind({ id: 'seen', fields: { createdAt: '2026-01-02 09:00:00' } }, cursor)).toBe('updated');
  });

  it('evaluates conditions like /espo list filters', () => {
    expect(filterHolds({ field: 'stage', op: 'equals', value: 'Closed Won' }, 'closed won')).toBe(true);
    expect(filterHolds({ field: 'stage', op: 'notEquals', value: 'Closed Won' }, 'Prospecting')).toBe(true);
    expect(filterHolds({ field: 'stage', op: 'in', value: ['Proposal', 'Negotiation'] }, 'Negotiation')).toBe(true);
    expect(filterHolds({ field: 'amount', op: 'greaterThan', value: 10000 }, 12000)).toBe(true);
    expect(filterHolds({ field: 'amount', op: 'greaterThan', value: 10000 }, '9000')).toBe(false);
    expect(filterHolds({ field: 'amount', op: 'lessThanOrEquals', value: 10000 }, null)).toBe(false);
    expect(filterHolds({ field: 'name', op: 'contains', value: 'acme' }, 'ACME Corp')).toBe(true);
    expect(filterHolds({ field: 'closeDate', op: 'lessThan', value: '2026-12-01' }, '2026-11-30')).toBe(true);
    expect(filterHolds({ field: 'doNotCall', op: 'equals', value: true }, true)).toBe(true);
    expect(filterHolds({ field: 'assignedUserId', op: 'isNull', value: true }, null)).toBe(true);
    expect(filterHolds({ field: 'assignedUserId', op: 'isNull', value: true }, 'u1')).toBe(false);
    expect(filterHolds({ field: 'phoneNumber', op: 'isNotNull', value: true }, '')).toBe(false);
  });

  it('says when a condition needs a field the payload does not carry', () => {
    const filters = [
      { field: 'stage', op: 'equals' as const, value: 'Closed Won' },
      { field: 'amount', op: 'greaterThan' as const, value: 1000 },
    ];
    expect(filtersHold(filters, { stage: 'Closed Won' })).toBeUndefined();
    expect(filtersHold(filters, { stage: 'Proposal' })).toBe(false);
    expect(filtersHold(filters, { stage: 'Closed Won', amount: 5000 })).toBe(true);
  });

  it('describes a rule in words', () => {
    expect(
      describeRule(rule({ field: 'stage', filters: [{ field: 'stage', op: 'equals', value: 'Closed Won' }] })),
    ).toBe('Opportunity stage changes where stage = Closed Won');
    expect(
      describeRule({
        entity: 'Task',
        event: 'assigned',
        dm: true,
        filters: [{ field: 'assignedUserId', op: 'equals', value: 'u1' }],
      }),
    ).toBe('Task records assigned to you');
  });
});
