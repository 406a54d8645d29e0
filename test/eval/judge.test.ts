import { describe, expect, it } from 'vitest';
import type { EspoRecord } from '../../fakes/espocrm/model.js';
import { countIn, judge, readAnswer, type EvalContext, type Expectation, type SlackMessage } from '../../eval/judge.js';
import type { CrmRecord, EntityInfo } from '../../src/core/ports.js';
import type { Reply } from '../../src/core/replies.js';
import type { Report } from '../../src/core/reports/types.js';
import { renderReply } from '../../src/slack/render/reply.js';
import { pipelineReport } from '../support/reports.js';

/**
 * The evaluation's verdicts are what CI trusts, so they are checked here on replies rendered by the
 * bot's own renderers (src/slack/render), as the runner reads them from the fake Slack.
 */
const SITE = 'https://crm.example.com';
const ctx: EvalContext = {
  now: new Date('2026-03-11T15:00:00Z'),
  timeZone: 'America/New_York',
  me: 'u-jane',
  user: (name) => `u-${name.toLowerCase()}`,
};
const deals: EspoRecord[] = [
  {
    id: 'd1',
    name: 'Acme License',
    stage: 'Negotiation',
    amount: 120000,
    closeDate: '2026-03-25',
    assignedUserId: 'u-jane',
  },
  {
    id: 'd2',
    name: 'Hooli Migration',
    stage: 'Proposal',
    amount: 67500,
    closeDate: '2026-03-14',
    assignedUserId: 'u-jane',
  },
  {
    id: 'd3',
    name: 'Stark Avionics',
    stage: 'Negotiation',
    amount: 250000,
    closeDate: '2026-03-18',
    assignedUserId: 'u-marco',
  },
  {
    id: 'd4',
    name: 'Acme Renewal',
    stage: 'Closed Won',
    amount: 24000,
    closeDate: '2026-03-01',
    assignedUserId: 'u-jane',
  },
  {
    id: 'd5',
    name: 'Initech Bundle',
    stage: 'Qualification',
    amount: 40000,
    closeDate: '2026-04-10',
    assignedUserId: 'u-jane',
  },
];
const opportunity: EntityInfo = {
  name: 'Opportunity',
  label: 'Opportunity',
  plural: 'Opportunities',
  keyFields: [
    { field: 'stage', label: 'Stage', format: 'enum' },
    { field: 'amount', label: 'Amount', format: 'currency' },
  ],
  fieldType: () => undefined,
};
const myOpenDealsThisMonth: Expectation = {
  kind: 'list',
  entity: 'Opportunity',
  where: (r, c) =>
    r.assignedUserId === c.me &&
    !['Closed Won', 'Closed Lost'].includes(String(r.stage)) &&
    String(r.closeDate) < '2026-04-01',
};

const asCrm = (record: EspoRecord): CrmRecord => ({ id: String(record.id), name: String(record.name), fields: record });
const byId = (...ids: string[]) => ids.map((id) => asCrm(deals.find((d) => d.id === id)!));
/** A records reply as the bot sends it, with the kind it logs. */
function records(page: CrmRecord[], total: number | undefined, text?: string) {
  const reply: Reply = {
    kind: 'records',
    entity: opportunity,
    query: { entity: 'Opportunity', filters: [], limit: 2, offset: 0, ...(text ? { text } : {}) },
    page: { records: page, total, hasMore: total === undefined || total > page.length },
  };
  return { message: renderReply(reply, { siteUrl: SITE }) as SlackMessage, kind: reply.kind };
}
const verdictOf = (expectation: Expectation, reply: { message: SlackMessage; kind: string }) =>
  judge(expectation, readAnswer(reply.message, reply.kind), () => deals, ctx);

describe('the evaluation judges a reply', () => {
  it('as correct when it lists exactly the records the predicate selects', () => {
    const reply = records(byId('d2', 'd1'), 2);
    expect(readAnswer(reply.message, reply.kind)).toMatchObject({ type: 'records', ids: ['d2', 'd1'], total: 2 });
    expect(verdictOf(myOpenDealsThisMonth, reply)).toEqual({ outcome: 'correct' });
    // A line saying how the request was understood may link to records of its own: not the list.
    const understood = {
      type: 'section',
      text: { type: 'mrkdwn', text: `Opportunities · assigned to <${SITE}/#User/view/u-jane|you>` },
    };
    const withLine = { ...reply, message: { ...reply.message, blocks: [understood, ...reply.message.blocks!] } };
    expect(verdictOf(myOpenDealsThisMonth, withLine)).toEqual({ outcome: 'correct' });
  });

  it('as correct for the first page of a longer list with the right total, or "more available"', () => {
    const all: Expectation = { kind: 'list', entity: 'Opportunity', where: () => true };
    expect(verdictOf(all, records(byId('d1', 'd2'), 5)).outcome).toBe('correct');
    expect(verdictOf(all, records(byId('d1', 'd2'), undefined)).outcome).toBe('correct');
    expect(verdictOf(all, records(byId('d1', 'd2'), 4))).toMatchObject({
      outcome: 'wrong',
      detail: 'total 4, expected 5',
    });
  });

  it('as wrong when a text search says nothing matches what exists', () => {
    const reply = records([], 0, 'closing this month');
    expect(verdictOf(myOpenDealsThisMonth, reply)).toEqual({
      outcome: 'wrong',
      detail: 'total 0, expected 2 (said nothing matches)',
    });
  });

  it('as wrong when it lists a record the predicate does not select, or too few', () => {
    expect(verdictOf(myOpenDealsThisMonth, records(byId('d1', 'd3'), 2))).toMatchObject({
      outcome: 'wrong',
      detail: 'listed Stark Avionics, which do not match',
    });
    expect(verdictOf(myOpenDealsThisMonth, records(byId('d1'), 1)).outcome).toBe('wrong');
  });

  it('as wrong when a "top N" list is not in the asked order', () => {
    const top2: Expectation = {
      kind: 'list',
      entity: 'Opportunity',
      where: () => true,
      order: { by: 'amount', desc: true },
      limit: 2,
    };
    expect(verdictOf(top2, records(byId('d3', 'd1'), 5)).outcome).toBe('correct');
    expect(verdictOf(top2, records(byId('d1', 'd3'), 5)).outcome).toBe('wrong');
    // Records tied on the field may come in either order: both Negotiation deals are "first by stage".
    const firstByStage: Expectation = {
      kind: 'list',
      entity: 'Opportunity',
      where: (r) => r.stage !== 'Closed Won',
      order: { by: 'stage' },
      limit: 1,
    };
    expect(verdictOf(firstByStage, records(byId('d1'), 5)).outcome).toBe('correct');
    expect(verdictOf(firstByStage, records(byId('d3'), 5)).outcome).toBe('correct');
    expect(verdictOf(firstByStage, records(byId('d2'), 5)).outcome).toBe('wrong');
  });

  it('as handed over when the bot says it needs the model, and as wrong when it answers what only a model should', () => {
    const notice: Reply = { kind: 'notice', tone: 'info', text: 'I can only follow commands here…' };
    const handover = { message: renderReply(notice) as SlackMessage, kind: notice.kind };
    expect(verdictOf(myOpenDealsThisMonth, handover).outcome).toBe('handed over');
    expect(verdictOf({ kind: 'model' }, handover).outcome).toBe('handed over');
    expect(verdictOf({ kind: 'model' }, records(byId('d1'), 1)).outcome).toBe('wrong');
    // A read that may stand for it is judged as that read.
    const orAcme: Expectation = {
      kind: 'model',
      or: { kind: 'record', entity: 'Opportunity', where: (r) => r.name === 'Acme License' },
    };
    expect(verdictOf(orAcme, records(byId('d1'), 1)).outcome).toBe('correct');
    expect(verdictOf(orAcme, records(byId('d3'), 1)).outcome).toBe('wrong');
  });

  it('as handed over when it previews a write only a model should plan, and as wrong when it previews one for a read', () => {
    const preview = { message: { text: 'Create task?', blocks: [] }, kind: 'confirm' };
    expect(verdictOf({ kind: 'model' }, preview)).toEqual({ outcome: 'handed over', detail: 'a preview to Confirm' });
    expect(verdictOf(myOpenDealsThisMonth, preview).outcome).toBe('wrong');
  });

  it('reads one record card as that record', () => {
    const card: Reply = { kind: 'record', entity: opportunity, record: asCrm(deals[2]!) };
    const reply = { message: renderReply(card, { siteUrl: SITE }) as SlackMessage, kind: card.kind };
    expect(readAnswer(reply.message, reply.kind)).toMatchObject({ type: 'record', entity: 'Opportunity', id: 'd3' });
    const lookup: Expectation = { kind: 'record', entity: 'Opportunity', where: (r) => r.name === 'Stark Avionics' };
    expect(verdictOf(lookup, reply)).toEqual({ outcome: 'correct' });
    // The right record without the field asked about is still no wrong answer, but it is noted.
    expect(verdictOf({ ...lookup, shows: 'closeDate' }, reply)).toEqual({
      outcome: 'correct',
      detail: 'without its closeDate',
    });
    expect(verdictOf({ ...lookup, where: (r) => r.name === 'Acme License' }, reply).outcome).toBe('wrong');
  });

  it('reads a count reply by its first number, whatever the kind is called', () => {
    const count: Expectation = { kind: 'count', entity: 'Opportunity', where: (r) => r.stage === 'Negotiation' };
    const said = (text: string) => ({ message: { text, blocks: [] }, kind: 'count' });
    expect(countIn({ text: 'There are *1,204* open deals' })).toBe(1204);
    // Numbers of the request as understood are not the count.
    expect(countIn({ text: 'Opportunities · amount over 10000 · closing in the next 30 days: *3*' })).toBe(3);
    expect(countIn({ text: 'Top 5 leads created in the last 7 days · 2 of them' })).toBe(2);
    expect(verdictOf(count, said('2 opportunities · stage is Negotiation')).outcome).toBe('correct');
    expect(verdictOf(count, said('3 opportunities · stage is Negotiation'))).toMatchObject({ outcome: 'wrong' });
    // A list whose total answers the question counts too.
    expect(verdictOf(count, records(byId('d1'), 2)).outcome).toBe('correct');
  });
});

describe('the evaluation judges a total or a breakdown', () => {
  const open = deals.filter((deal) => !['Closed Won', 'Closed Lost'].includes(String(deal.stage)));
  const stages = [...new Set(open.map((deal) => String(deal.stage)))].map((stage) => {
    const inStage = open.filter((deal) => deal.stage === stage);
    const amount = inStage.reduce((sum, deal) => sum + Number(deal.amount), 0);
    return { label: stage, count: inStage.length, amount, probability: 0.5 };
  });
  const reportReply = (report: Report) => ({
    message: renderReply({ kind: 'report', report }) as SlackMessage,
    kind: 'report',
  });
  const openWhere = (r: EspoRecord) => !['Closed Won', 'Closed Lost'].includes(String(r.stage));
  const total: Expectation = { kind: 'sum', entity: 'Opportunity', field: 'amount', where: openWhere };
  const byStage: Expectation = { kind: 'breakdown', entity: 'Opportunity', by: 'stage', where: openWhere };

  it('reads the total, its amount and each group from the rendered report', () => {
    const answer = readAnswer(reportReply(pipelineReport(stages)).message, 'report');
    expect(answer).toEqual({
      type: 'report',
      count: open.length,
      amount: stages.reduce((sum, stage) => sum + stage.amount, 0),
      groups: new Map(stages.map((stage) => [stage.label, stage.count])),
    });
  });

  it('is right only when the numbers are', () => {
    expect(verdictOf(total, reportReply(pipelineReport(stages)))).toEqual({ outcome: 'correct' });
    expect(verdictOf(byStage, reportReply(pipelineReport(stages)))).toEqual({ outcome: 'correct' });
    const [first, ...rest] = stages;
    const off = [{ ...first!, amount: first!.amount + 1000 }, ...rest];
    expect(verdictOf(total, reportReply(pipelineReport(off))).outcome).toBe('wrong');
    const miscounted = [{ ...first!, count: first!.count + 1 }, ...rest];
    expect(verdictOf(byStage, reportReply(pipelineReport(miscounted))).outcome).toBe('wrong');
    // A list where a number was asked for is no answer to it; a number where a list was asked, neither.
    expect(verdictOf(total, records(byId('d1'), 1)).outcome).toBe('wrong');
    expect(verdictOf(myOpenDealsThisMonth, reportReply(pipelineReport(stages))).outcome).toBe('wrong');
  });
});
