import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EspoRecord } from '../../fakes/espocrm/model.js';
import { buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';

const CLOSED = ['Closed Won', 'Closed Lost'];
const usd = (value: number) => `$${Math.round(value).toLocaleString('en-US')}`;

/** Records by a field's value, counted and summed: the numbers the bot should give, computed here. */
function tally(records: EspoRecord[], field: string) {
  const groups = new Map<string, { count: number; amount: number; weighted: number }>();
  for (const record of records) {
    const key = record[field] == null || record[field] === '' ? 'None' : String(record[field]);
    const group = groups.get(key) ?? { count: 0, amount: 0, weighted: 0 };
    group.count += 1;
    group.amount += Number(record.amount ?? 0);
    group.weighted += (Number(record.amount ?? 0) * Number(record.probability ?? 0)) / 100;
    groups.set(key, group);
  }
  return groups;
}

describe('/espo count, sum, report and pipeline, end to end', () => {
  let h: Harness;
  const proxyReads = () => h.membrane.calls.filter((call) => call.method === 'GET' && call.path.includes('/proxy/'));

  beforeAll(async () => {
    h = await startHarness();
    await h.command('connect');
  });
  afterAll(() => h.close());
  beforeEach(() => h.membrane.resetCalls());

  it('/espo pipeline: open deals by stage, amount and weighted, in the stage order', async () => {
    const open = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .filter((deal) => !CLOSED.includes(String(deal.stage)));
    expect(open.length).toBeGreaterThan(1);
    const byStage = tally(open, 'stage');
    const total = [...byStage.values()].reduce(
      (sum, group) => ({ amount: sum.amount + group.amount, weighted: sum.weighted + group.weighted }),
      { amount: 0, weighted: 0 },
    );

    const text = textOf((await h.command('pipeline')).reply);
    expect(text).toContain('Pipeline');
    expect(text).toContain(
      `*Total:* ${open.length} opportunities · ${usd(total.amount)} · weighted ${usd(total.weighted)}`,
    );
    const stages = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'].filter((stage) => byStage.has(stage));
    for (const stage of stages) {
      const group = byStage.get(stage)!;
      const noun = group.count === 1 ? 'opportunity' : 'opportunities';
      expect(text).toContain(
        `• ${stage}: ${group.count} ${noun} · ${usd(group.amount)} · weighted ${usd(group.weighted)}`,
      );
    }
    const positions = stages.map((stage) => text.indexOf(`• ${stage}:`));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(text).not.toContain('Closed Won:');
    // Only the fields the report needs were asked for.
    const dealReads = proxyReads().filter((call) => call.path.endsWith('/Opportunity'));
    expect(dealReads[0]!.query.select).toBe('id,amount,amountCurrency,amountConverted,probability,stage');
  });

  it('shares a report in the channel on request: the numbers read again, with the chart, saying who shared it', async () => {
    const { reply, responseId } = await h.command('pipeline');
    expect(reply.response_type).toBe('ephemeral');
    const before = textOf(reply);
    const uploads = h.slack.files.size;
    const shared = await h.click(buttonNamed(reply, 'Share in channel'), { responseId });
    const posted = shared.replies[0]!;
    expect(posted.response_type).toBe('in_channel');
    const text = textOf(posted);
    expect(text).toContain('Shared by <@U1>');
    // The same numbers as the private answer (read again, or from the minute's cache).
    expect(text).toContain(/\*Total:\*[^\n]*/.exec(before)![0]);
    expect(buttonsOf(posted)).toHaveLength(0);
    const imageOf = (blocks: unknown) =>
      (blocks as { type: string; slack_file?: { id: string } }[]).find((b) => b.type === 'image')!.slack_file!.id;
    expect(h.slack.files.get(imageOf(posted.blocks))?.completed).toBe(true);
    // The same answer (from the minute's cache) shows the chart already uploaded: no second copy in Slack.
    expect(imageOf(posted.blocks)).toBe(imageOf(reply.blocks));
    expect(h.slack.files.size).toBe(uploads);
  });

  it('/espo pipeline this quarter: only deals closing in it', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const month = Number(today.slice(5, 7));
    const first = `${today.slice(0, 5)}${String(month - ((month - 1) % 3)).padStart(2, '0')}-01`;
    const end = new Date(Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)) + 2, 1))
      .toISOString()
      .slice(0, 10);
    const inQuarter = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .filter((deal) => !CLOSED.includes(String(deal.stage)))
      .filter((deal) => String(deal.closeDate) >= first && String(deal.closeDate) < end);
    const text = textOf((await h.command('pipeline this quarter')).reply);
    expect(text).toContain('Pipeline · close date this quarter');
    const noun = inQuarter.length === 1 ? 'opportunity' : 'opportunities';
    expect(text).toContain(`*Total:* ${inQuarter.length} ${noun}`);
  });

  it("/espo pipeline mine: the requester's own open deals, found by their Slack email", async () => {
    const espo = h.membrane.tenant('T1').espo;
    const jane = espo.all('User').find((u) => u.emailAddress === 'jane.smith@example.com')!;
    h.slack.emails.set('UJANE', 'jane.smith@example.com');
    const hers = espo
      .all('Opportunity')
      .filter((deal) => !CLOSED.includes(String(deal.stage)) && deal.assignedUserId === jane.id);
    expect(hers.length).toBeGreaterThan(0);
    const amount = hers.reduce((sum, deal) => sum + Number(deal.amount ?? 0), 0);
    const text = textOf((await h.command('pipeline mine', { user: 'UJANE' })).reply);
    expect(text).toContain('Pipeline · yours');
    const noun = hers.length === 1 ? 'opportunity' : 'opportunities';
    expect(text).toContain(`*Total:* ${hers.length} ${noun} · ${usd(amount)}`);

    const stranger = textOf((await h.command('pipeline mine', { user: 'UNOBODY' })).reply);
    expect(stranger).toContain('`mine` needs your email from Slack');
  });

  it('/espo count leads status=New, and the same again within a minute reads nothing', async () => {
    const fresh = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      .filter((lead) => lead.status === 'New');
    const first = textOf((await h.command('count leads status=New')).reply);
    expect(first).toContain(`*Total:* ${fresh.length} leads`);
    expect(proxyReads().length).toBeGreaterThan(0);

    h.membrane.resetCalls();
    const second = textOf((await h.command('count leads status=New')).reply);
    expect(second).toBe(first);
    expect(proxyReads()).toEqual([]);
  });

  it('/espo sum deals amount by stage: every stage, closed ones too', async () => {
    const deals = h.membrane.tenant('T1').espo.all('Opportunity');
    const byStage = tally(deals, 'stage');
    const text = textOf((await h.command('sum deals amount by stage')).reply);
    const amount = deals.reduce((sum, deal) => sum + Number(deal.amount ?? 0), 0);
    expect(text).toContain(`*Total:* ${deals.length} opportunities · ${usd(amount)}`);
    for (const [stage, group] of byStage) {
      const noun = group.count === 1 ? 'opportunity' : 'opportunities';
      expect(text).toContain(`• ${stage}: ${group.count} ${noun} · ${usd(group.amount)}`);
    }
    expect(text).not.toContain('weighted');
  });

  it('/espo report leads by source: counts per source, in the CRM option order', async () => {
    const leads = h.membrane.tenant('T1').espo.all('Lead');
    const bySource = tally(leads, 'source');
    const text = textOf((await h.command('report leads by source')).reply);
    expect(text).toContain('Leads by source');
    expect(text).toContain(`*Total:* ${leads.length} leads`);
    for (const [source, group] of bySource) {
      expect(text).toContain(`• ${source}: ${group.count} ${group.count === 1 ? 'lead' : 'leads'}`);
    }
  });

  it('keeps currencies apart when EspoCRM gives no converted amounts, and converts with its rates', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const [euro] = espo.seed('Opportunity', [
      { name: 'Euro deal', amount: 1000, amountCurrency: 'EUR', stage: 'Proposal', closeDate: '2030-01-15' },
    ]);
    try {
      espo.currencyConverted = false;
      const apart = textOf((await h.command('sum deals amount closeDate>=2030-01-01')).reply);
      expect(apart).toContain('€1,000');
      expect(apart).not.toContain('kept apart');

      const mixed = textOf((await h.command('sum deals amount stage=Proposal')).reply);
      expect(mixed).toContain('Amounts in different currencies are kept apart');

      espo.currencyConverted = true;
      Object.assign(espo.settings, { currencyList: ['USD', 'EUR'], currencyRates: { EUR: 1.5 } });
      const proposals = espo.all('Opportunity').filter((deal) => deal.stage === 'Proposal');
      const converted = proposals.reduce(
        (sum, deal) => sum + Number(deal.amount) * (deal.amountCurrency === 'EUR' ? 1.5 : 1),
        0,
      );
      const text = textOf((await h.command('sum deals amount stage=Proposal amount>0')).reply);
      expect(text).toContain(`${proposals.length} opportunities · ${usd(converted)}`);
      expect(text).toContain('Amounts converted into USD');
    } finally {
      espo.currencyConverted = true;
      Object.assign(espo.settings, { currencyList: ['USD'], currencyRates: {} });
      h.membrane.tenant('T1').espo.request({ method: 'DELETE', path: `/Opportunity/${String(euro!.id)}`, query: {} });
    }
  });

  it('answers a field that cannot be summed with the fields that can', async () => {
    const text = textOf((await h.command('sum deals stage')).reply);
    expect(text).toContain('`stage` is not a number of opportunities');
    expect(text).toContain('`amount`');
  });
});

describe('numbers asked in words, without a model', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => new Date('2026-11-18T15:00:00Z') });
    h.slack.emails.set('U1', 'marco.lopez@example.com');
    await h.command('connect');
  });
  afterAll(() => h.close());

  const said = async (text: string) => {
    const { messages } = await h.say('dm', text);
    return { text: textOf((messages[0]?.body ?? {}) as never), body: messages[0]?.body as { blocks?: unknown[] } };
  };

  it('"how much is in the pipeline?": the open deals added up and weighted, by stage, with a chart', async () => {
    const open = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .filter((deal) => !CLOSED.includes(String(deal.stage)));
    const byStage = tally(open, 'stage');
    const amount = [...byStage.values()].reduce((sum, group) => sum + group.amount, 0);
    const weighted = [...byStage.values()].reduce((sum, group) => sum + group.weighted, 0);

    const { text, body } = await said('how much is in the pipeline?');
    expect(text).toContain(`*Total:* ${open.length} opportunities · ${usd(amount)} · weighted ${usd(weighted)}`);
    expect(text).toContain('Understood as: total amount of Opportunities · stage is not Closed Won or Closed Lost');
    const image = (body.blocks as { type: string; slack_file?: { id: string } }[]).find((b) => b.type === 'image');
    const file = h.slack.files.get(image!.slack_file!.id)!;
    // A PNG: its signature, and bytes that are a chart, not a placeholder.
    expect(file.bytes!.subarray(1, 4).toString()).toBe('PNG');
    expect(file.bytes!.length).toBeGreaterThan(5_000);
    expect(h.logs.findLast((l) => l.msg === 'request handled')).toMatchObject({ route: 'understood' });
  });

  it('"how many leads came in this month": the count, broken down by source', async () => {
    // November 2026 in New York (the fake Slack's zone for people), as EspoCRM stores it: in UTC.
    const leads = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      .filter((l) => String(l.createdAt) >= '2026-11-01 04:00:00' && String(l.createdAt) < '2026-12-01 05:00:00');
    expect(leads.length).toBeGreaterThan(1);
    const { text } = await said('how many leads came in this month?');
    expect(text).toContain('Understood as: how many Leads · created this month');
    expect(text).toContain(`*Total:* ${leads.length} leads`);
    for (const [source, group] of tally(leads, 'source'))
      expect(text).toContain(`• ${source}: ${group.count} lead${group.count === 1 ? '' : 's'}`);
  });

  it('"who has the most open deals?": open deals counted per owner, by name, most first', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const users = new Map(espo.all('User').map((user) => [user.id, String(user.name)]));
    const open = espo.all('Opportunity').filter((deal) => !CLOSED.includes(String(deal.stage)));
    const perOwner = [...tally(open, 'assignedUserId')].sort((a, b) => b[1].count - a[1].count);
    const { text } = await said('who has the most open deals?');
    const [topId, top] = perOwner[0]!;
    const topName = topId === 'None' ? 'None' : users.get(topId)!;
    expect(text).toContain(`• ${topName}: ${top.count} opportunit`);
    const positions = perOwner.map(([id]) => text.indexOf(`• ${id === 'None' ? 'None' : users.get(id)!}:`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});

describe('numbers the model asks the report engine for', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: true });
    await h.command('connect');
  });
  afterAll(() => h.close());

  it('offers crm_report for a question about numbers, and answers with the engine, not the model', async () => {
    h.openai!.enqueue({
      toolCalls: [
        {
          name: 'crm_report',
          arguments: { entity: 'Lead', sum_field: null, group_by: 'source', filters: 'status!=Dead' },
        },
      ],
    });
    // "ones worth chasing" is beyond the understanding layer: the model's turn.
    const { messages } = await h.say('dm', 'how many leads are worth chasing, by source?');
    const leads = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      .filter((lead) => lead.status !== 'Dead');
    const text = textOf((messages[0]?.body ?? {}) as never);
    expect(text).toContain(`*Total:* ${leads.length} leads`);
    for (const [source, group] of tally(leads, 'source'))
      expect(text).toContain(`• ${source}: ${group.count} lead${group.count === 1 ? '' : 's'}`);
    const offered = h.openai!.requests[0]!.body.tools?.map(
      (tool) => (tool as { function: { name: string } }).function.name,
    );
    expect(offered).toContain('crm_report');
  });

  it('does not offer it when the words ask for records', async () => {
    h.openai!.reset();
    h.openai!.enqueue({ toolCalls: [{ name: 'ask_clarifying_question', arguments: { question: 'Which ones?' } }] });
    await h.say('dm', 'show leads that look promising');
    const offered = h.openai!.requests[0]!.body.tools?.map(
      (tool) => (tool as { function: { name: string } }).function.name,
    );
    expect(offered).not.toContain('crm_report');
  });
});
