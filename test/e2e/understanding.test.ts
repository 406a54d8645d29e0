import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENAMED_STAGES } from '../../fakes/espocrm/defs.js';
import type { SlackCall } from '../../fakes/slack/server.js';
import { buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';

const said = (call: SlackCall | undefined) => textOf((call?.body ?? {}) as { text?: string; blocks?: unknown[] });

/** A Wednesday mid-month in New York (the fake Slack's default zone for people): no week or month edge near. */
const NOW = new Date('2026-11-18T15:00:00Z');

describe('everyday requests without a model', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW });
    h.slack.emails.set('U1', 'marco.lopez@example.com');
    await h.command('connect');
  });
  afterAll(() => h.close());

  it('answers "show my open deals closing this month over 10k" from EspoCRM, and says how it understood it', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const marco = espo.all('User').find((u) => u.emailAddress === 'marco.lopez@example.com')!;
    const deals = espo.all('Opportunity');
    const expected = deals.filter(
      (d) =>
        d.assignedUserId === marco.id &&
        !['Closed Won', 'Closed Lost'].includes(String(d.stage)) &&
        Number(d.amount) > 10_000 &&
        String(d.closeDate) >= '2026-11-01' &&
        String(d.closeDate) < '2026-12-01',
    );
    expect(expected.length).toBeGreaterThan(0);
    const { messages } = await h.say('dm', 'show my open deals closing this month over 10k');
    const text = said(messages[0]);
    expect(text).toContain(
      'Understood as: Opportunities · stage is not Closed Won or Closed Lost · amount over 10,000 · close date this month · assigned to you',
    );
    for (const deal of deals) {
      if (expected.includes(deal)) expect(text).toContain(String(deal.name));
      else expect(text).not.toContain(String(deal.name));
    }
    expect(h.logs.findLast((l) => l.msg === 'request handled')).toMatchObject({ route: 'understood' });
  });

  it('answers "how many leads came in this week" with EspoCRM\'s total', async () => {
    // This week's leads in New York, and one from late on Sunday there (already Monday in UTC): not this week's.
    h.membrane.tenant('T1').espo.seed('Lead', [
      { lastName: 'Monday Early', createdAt: '2026-11-16 05:10:00' },
      { lastName: 'Wednesday', createdAt: '2026-11-18 14:00:00' },
      { lastName: 'Sunday Late', createdAt: '2026-11-16 04:30:00' },
    ]);
    const leads = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      // Monday 16 November to Monday 23 November in New York (UTC-5), as EspoCRM stores it: UTC.
      .filter((l) => String(l.createdAt) >= '2026-11-16 05:00:00' && String(l.createdAt) < '2026-11-23 05:00:00');
    expect(leads.length).toBeGreaterThan(1);
    const { messages } = await h.say('dm', 'how many leads came in this week?');
    const text = said(messages[0]);
    expect(text).toContain(`${leads.length} leads`);
    expect(text).toContain('Understood as: how many Leads · created this week');
  });

  it('no longer answers "find deals closing this month" with a text search that finds nothing', async () => {
    const closing = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .filter((d) => String(d.closeDate) >= '2026-11-01' && String(d.closeDate) < '2026-12-01');
    expect(closing.length).toBeGreaterThan(0);
    const { messages } = await h.say('dm', 'find deals closing this month');
    const text = said(messages[0]);
    expect(text).toContain('Understood as: Opportunities · close date this month');
    for (const deal of closing.slice(0, 10)) expect(text).toContain(String(deal.name));
    expect(text).not.toMatch(/no .* match/i);

    const tasks = await h.say('dm', 'find tasks due tomorrow');
    expect(said(tasks.messages[0])).toContain('Understood as: Tasks · due date tomorrow');
  });

  it('says what it understood, and the nearest command, when a word is beyond it', async () => {
    const { messages } = await h.say('dm', 'show my open deals that look stuck');
    const text = said(messages[0]);
    expect(text).toContain('I understood: Opportunities · stage is not Closed Won or Closed Lost · assigned to you');
    expect(text).toContain('stuck');
    expect(text).toContain('/espo list opportunities');
    expect(text).not.toMatch(/no .* match/i);
    expect(h.logs.findLast((l) => l.msg === 'request handled')).toMatchObject({ route: 'unavailable' });
  });

  it('shows a record named in words when exactly one matches, else offers the few that do', async () => {
    const deals = h.membrane.tenant('T1').espo.all('Opportunity');
    const one = deals.find((d) => String(d.name).startsWith('Hooli'))!;
    const { messages } = await h.say('dm', `show the ${String(one.name).split(' ').slice(0, 2).join(' ')} deal`);
    expect(said(messages[0])).toContain(String(one.name));
    expect(buttonsOf(messages[0]!.body as { blocks?: unknown[] }).map((b) => b.text)).not.toContain('Next →');
  });

  it("answers a colleague's deals, and a named person's email, when the name is one record's", async () => {
    const espo = h.membrane.tenant('T1').espo;
    const jane = espo.all('User').find((u) => u.emailAddress === 'jane.smith@example.com')!;
    const theirs = espo
      .all('Opportunity')
      .filter((d) => d.assignedUserId === jane.id && !['Closed Won', 'Closed Lost'].includes(String(d.stage)));
    expect(theirs.length).toBeGreaterThan(0);
    const deals = said((await h.say('dm', "Jane's open deals")).messages[0]);
    expect(deals).toContain(`assigned to ${String(jane.name)}`);
    for (const deal of theirs.slice(0, 10)) expect(deals).toContain(String(deal.name));

    // A first name only one contact, lead or account has.
    const named = [...espo.all('Contact'), ...espo.all('Lead'), ...espo.all('Account')].map((r) => String(r.name));
    const contact = espo
      .all('Contact')
      .find((c) => named.filter((name) => name.includes(String(c.firstName))).length === 1 && c.emailAddress)!;
    const { messages } = await h.say('dm', `what is ${String(contact.firstName)}'s email?`);
    expect(said(messages[0])).toContain(String(contact.emailAddress));
    expect(said(messages[0])).toContain(
      `Understood as: Contact named like “${String(contact.firstName)}” · emailAddress`,
    );
  });
});

describe("an instance's own stages", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW });
    await h.command('connect');
    const espo = h.membrane.tenant('T1').espo;
    // An admin renamed the stages in EspoCRM's Entity Manager: won is `Signed`, lost two others.
    espo.redefineField('Opportunity', 'stage', RENAMED_STAGES);
    for (const deal of espo.all('Opportunity'))
      espo.request({ method: 'DELETE', path: `/Opportunity/${String(deal.id)}`, query: {} });
    espo.seed('Opportunity', [
      { name: 'Umbrella Demo Deal', stage: 'Demo', amount: 20_000, closeDate: '2026-11-25' },
      { name: 'Initech Contract Deal', stage: 'Contract Sent', amount: 30_000, closeDate: '2026-11-26' },
      { name: 'Hooli Signed Deal', stage: 'Signed', amount: 40_000, closeDate: '2026-11-10' },
      { name: 'Vandelay Lost Deal', stage: 'No Decision', amount: 50_000, closeDate: '2026-11-12' },
    ]);
  });
  afterAll(() => h.close());

  it('answers "open deals" and "won deals" by the stages the instance has, read from its metadata', async () => {
    const open = said((await h.say('dm', 'show open deals')).messages[0]);
    expect(open).toContain('Understood as: Opportunities · stage is not Signed, Lost to Competitor or No Decision');
    expect(open).toContain('Umbrella Demo Deal');
    expect(open).toContain('Initech Contract Deal');
    expect(open).not.toContain('Hooli Signed Deal');
    expect(open).not.toContain('Vandelay Lost Deal');

    const won = said((await h.say('dm', 'show won deals')).messages[0]);
    expect(won).toContain('Understood as: Opportunities · stage is Signed');
    expect(won).toContain('Hooli Signed Deal');
    expect(won).not.toContain('Umbrella Demo Deal');

    // A stage by its own name is understood too.
    const sent = said((await h.say('dm', 'deals in contract sent')).messages[0]);
    expect(sent).toContain('Initech Contract Deal');
    expect(sent).not.toContain('Umbrella Demo Deal');
  });
});
