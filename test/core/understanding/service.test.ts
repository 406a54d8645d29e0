import { describe, expect, it } from 'vitest';
import { PersonDirectory } from '../../../src/core/people.js';
import type { CrmGateway, CrmRecord, ListQuery, RecordPage } from '../../../src/core/ports.js';
import { partialText, UnderstandingService } from '../../../src/core/understanding/service.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';
import { EspoVocabulary } from '../../../src/crm/espo/vocabulary.js';

const NOW = new Date('2026-11-18T15:00:00Z');
const tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };
const context = { teamId: 'T1', userId: 'U1', timeZone: 'America/New_York', email: 'me@example.com' };
const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** A CRM whose list answers by entity, and remembers each query. */
function crmWith(pages: Record<string, (query: ListQuery) => RecordPage>) {
  const queries: ListQuery[] = [];
  const crm = {
    list: async (_tenant: unknown, query: ListQuery) => {
      queries.push(query);
      return pages[query.entity]?.(query) ?? { records: [], hasMore: false, total: 0 };
    },
    get: async (_tenant: unknown, _entity: string, id: string): Promise<CrmRecord> => ({
      id,
      name: `full ${id}`,
      fields: {},
    }),
  } as unknown as CrmGateway;
  const service = new UnderstandingService({
    crm,
    entities: new EspoEntityDirectory(),
    vocabulary: { vocabularyFor: async () => new EspoVocabulary() },
    people: new PersonDirectory(crm, silent),
  });
  return { service, queries, answer: (text: string) => service.answer(context, tenant, text, NOW) };
}

const page = (ids: string[], total = ids.length): RecordPage => ({
  records: ids.map((id) => ({ id, name: id, fields: {} })),
  hasMore: total > ids.length,
  total,
});

describe('UnderstandingService', () => {
  it("answers a count with EspoCRM's total, asking for one record only", async () => {
    const { answer, queries } = crmWith({ Lead: () => page(['a'], 37) });
    const answered = await answer('how many leads came in this week');
    expect(answered).toMatchObject({ kind: 'answered', reply: { kind: 'count', total: 37 } });
    expect(queries[0]!.limit).toBe(1);
  });

  it('filters "my" by the person\'s EspoCRM user, found by email', async () => {
    const { answer, queries } = crmWith({ User: () => page(['u1']), Opportunity: () => page(['d1', 'd2']) });
    const answered = await answer('my open deals closing this month');
    expect(answered).toMatchObject({
      kind: 'answered',
      reply: { kind: 'records', understood: expect.stringContaining('assigned to you') },
    });
    expect(queries.at(-1)!.filters).toContainEqual({ field: 'assignedUserId', op: 'equals', value: 'u1' });
  });

  it('reads "for <Name>" as a colleague only when exactly one user has the name', async () => {
    const bo = crmWith({ User: () => page(['u7']), Opportunity: () => page(['d1']) });
    expect(await bo.answer('pipeline for Bo this month')).toMatchObject({ kind: 'answered' });
    expect(bo.queries.at(-1)!.filters).toContainEqual({ field: 'assignedUserId', op: 'equals', value: 'u7' });
    const globex = crmWith({ User: () => page([]), Opportunity: () => page(['d1']) });
    expect(await globex.answer('deals for Globex')).toMatchObject({ kind: 'partial', unknown: ['Globex'] });
  });

  it('reads "at <Company>" only when exactly one company has the name', async () => {
    const acme = crmWith({ Account: () => page(['a1']), Contact: () => page(['c1']) });
    expect(await acme.answer('contacts at Acme')).toMatchObject({
      kind: 'answered',
      reply: { understood: 'Contacts · at a1' },
    });
    expect(acme.queries.at(-1)!.filters).toEqual([{ field: 'accountId', op: 'equals', value: 'a1' }]);
    const lead = crmWith({ Account: () => page(['Acme Corp']), Lead: () => page(['l1']) });
    await lead.answer('leads at Acme Corp');
    expect(lead.queries.at(-1)!.filters).toEqual([{ field: 'accountName', op: 'equals', value: 'Acme Corp' }]);
    const two = crmWith({ Account: () => page(['a1', 'a2']), Contact: () => page(['c1']) });
    expect(await two.answer('contacts at Acme')).toMatchObject({ kind: 'partial', unknown: ['Acme'] });
  });

  it('answers a field ask with the one record whose own name it is', async () => {
    const { answer } = crmWith({
      Account: () => page(['Acme Corp']),
      // A search matches a lead's company too: those leads are not "Acme".
      Lead: () => page(['Olivia Bennett', 'Mia Fischer']),
    });
    expect(await answer("Acme's phone")).toMatchObject({
      kind: 'answered',
      reply: { kind: 'record', record: { id: 'Acme Corp' } },
    });
    const many = crmWith({ Account: () => page(['Acme Corp']), Lead: () => page(['Acme Lead'], 40) });
    expect(await many.answer("Acme's phone")).toBeUndefined();
  });

  it("looks a name up with EspoCRM's wildcard between its words", async () => {
    const { answer, queries } = crmWith({ Opportunity: () => page(['d1']) });
    await answer('show the Globex pilot deal');
    expect(queries.at(-1)!.text).toBe('Globex*pilot');
  });

  it('does not guess whose records "my" are when the person has no EspoCRM user', async () => {
    const { answer } = crmWith({ User: () => page([]) });
    expect(await answer('my open deals')).toMatchObject({ kind: 'partial', unknown: ['my'] });
  });

  it('shows a named record when it is the only one, offers a few, and never says "no matches" for a name', async () => {
    expect(await crmWith({ Opportunity: () => page(['d1']) }).answer('show the Globex pilot deal')).toMatchObject({
      kind: 'answered',
      reply: { kind: 'record', record: { name: 'full d1' } },
    });
    expect(await crmWith({ Opportunity: () => page(['d1', 'd2']) }).answer('show the Globex deal')).toMatchObject({
      kind: 'answered',
      reply: { kind: 'records', page: { records: [{ id: 'd1' }, { id: 'd2' }] } },
    });
    expect(await crmWith({ Opportunity: () => page([]) }).answer('show the Globex deal')).toMatchObject({
      kind: 'partial',
    });
  });

  it('says what it understood and the nearest command when a word is beyond it', async () => {
    const answered = await crmWith({}).answer('deals over 10k that look stuck');
    expect(answered).toMatchObject({ kind: 'partial', unknown: ['stuck'] });
    const text = partialText(answered as Extract<typeof answered, { kind: 'partial' }>);
    expect(text).toContain('I understood: Opportunities · amount over 10,000');
    expect(text).toContain('⟦list opportunities amount>10000⟧');
  });

  it('leaves a request that names no record type alone', async () => {
    expect(await crmWith({}).answer('what should I focus on today')).toBeUndefined();
  });
});
