import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dayStartUtc, isoDate } from '../../src/core/commands/values.js';
import { buttonNamed, buttonsOf, SITE_URL, startHarness, textOf, type Harness } from '../support/harness.js';

describe('/espo reads, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.command('connect');
  });
  afterAll(() => h.close());
  beforeEach(() => h.membrane.resetCalls());

  it('acks immediately with an empty 200 and replies ephemerally through response_url', async () => {
    const { ack, reply } = await h.command('help');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(reply.response_type).toBe('ephemeral');
    expect(textOf(reply)).toContain('/espo list');
  });

  it('shows help with "did you mean" for unknown words', async () => {
    expect(textOf((await h.command('')).reply)).toContain('Commands');
    expect(textOf((await h.command('lsit leads')).reply)).toContain('Did you mean `/espo list`?');
    const focused = textOf((await h.command('help update')).reply);
    expect(focused.indexOf('/espo update &lt;entity&gt; &lt;id&gt; field=value ...')).toBeLessThan(
      focused.indexOf('Commands'),
    );
    expect(focused).toContain('status="In Process"');
  });

  it('lists leads with a filter through the list-leads action, in exactly one Membrane call when warm', async () => {
    await h.command('list leads'); // warm the catalog
    h.membrane.resetCalls();
    const { reply } = await h.command('list leads status=New limit=5');
    expect(h.membrane.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /actions/list-leads/run']);
    const text = textOf(reply);
    const expected = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      .filter((lead) => lead.status === 'New');
    expect(text).toContain(`of ${expected.length}`);
    expect(text).toContain(`${SITE_URL}/#Lead/view/`);
    expect(text).toContain('Status: New');
    expect(buttonsOf(reply).map((b) => b.text)).toEqual(expect.arrayContaining(['Share in channel']));
  });

  it('pages with Next and Previous, replacing the list in place', async () => {
    const { reply, responseId } = await h.command('list leads limit=5 sort=name');
    expect(textOf(reply)).toContain('Showing 1–5 of');
    const next = await h.click(buttonNamed(reply, 'Next'), { responseId });
    expect(next.replies[0]!.replace_original).toBe(true);
    expect(textOf(next.replies[0]!)).toContain('Showing 6–10 of');
    const back = await h.click(buttonNamed(next.replies[0]!, 'Previous'), { responseId });
    expect(textOf(back.replies[0]!)).toContain('Showing 1–5 of');
    expect(textOf(back.replies[0]!)).toBe(textOf(reply));
  });

  it('pages by cursor for actions that page by cursor', async () => {
    const { reply, responseId } = await h.command('list contacts limit=3');
    expect(h.membrane.calls.some((c) => c.path === '/actions/list-contacts/run')).toBe(true);
    const first = textOf(reply);
    const next = await h.click(buttonNamed(reply, 'Next'), { responseId });
    expect(textOf(next.replies[0]!)).toContain('Showing 4–6');
    expect(textOf(next.replies[0]!)).not.toBe(first);
    const back = await h.click(buttonNamed(next.replies[0]!, 'Previous'), { responseId });
    expect(textOf(back.replies[0]!)).toBe(first);
  });

  it('falls back to the REST proxy when the action cannot express the query', async () => {
    await h.command('list tasks sort=name');
    expect(h.membrane.calls.map((c) => c.path)).toContain(
      `/connections/${h.membrane.tenant('T1').connection!.id}/proxy/Task`,
    );
    expect(h.membrane.calls.some((c) => c.path.startsWith('/actions/list-tasks'))).toBe(false);
  });

  it('lists entities no action covers (meetings, cases) through the proxy', async () => {
    const { reply } = await h.command('list cases');
    expect(textOf(reply)).toContain('Cases');
    expect(h.membrane.calls.some((c) => c.path.endsWith('/proxy/Case'))).toBe(true);
  });

  it('filters deals with operators and amounts like 10k', async () => {
    const { reply } = await h.command('list deals amount>10k stage!="Closed Lost"');
    const expected = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .filter((o) => Number(o.amount) > 10_000 && o.stage !== 'Closed Lost');
    expect(textOf(reply)).toContain(`of ${expected.length}`);
  });

  it("includes a task due later today in dateEnd<=today, in the person's time zone", async () => {
    const zone = 'America/New_York'; // what the fake Slack reports for everyone
    const today = isoDate(new Date(), zone);
    const noonThere = new Date(new Date(`${dayStartUtc(today, zone).replace(' ', 'T')}Z`).getTime() + 12 * 3_600_000);
    const dueAtNoon = noonThere.toISOString().replace('T', ' ').slice(0, 19);
    h.membrane
      .tenant('T1')
      .espo.seed('Task', [{ name: 'Due at noon today', status: 'Not Started', dateEnd: dueAtNoon }]);
    const { reply } = await h.command('list tasks dateEnd<=today name~noon');
    expect(textOf(reply)).toContain('Due at noon today');
  });

  it('filters on yes/no fields with isTrue/isFalse, through an action and through the proxy', async () => {
    const espo = h.membrane.tenant('T1').espo;
    espo.seed('Lead', [{ firstName: 'Never', lastName: 'Call', status: 'New', doNotCall: true }]);
    const [anyCase] = espo.all('Case');
    espo.request({ method: 'PUT', path: `/Case/${anyCase!.id}`, query: {}, body: { isInternal: true } });
    // list-leads takes EspoCRM's where items, which reach EspoCRM as a query string: `true` would arrive as 'true'.
    const leads = await h.command('list leads doNotCall=yes limit=20');
    expect(textOf(leads.reply)).toContain('Never Call');
    expect(textOf(leads.reply)).toContain('of 1');
    const run = h.membrane.calls.find((c) => c.path === '/actions/list-leads/run');
    expect(JSON.stringify(run?.body)).toContain('"type":"isTrue"');
    const others = await h.command('list leads doNotCall=false limit=20');
    expect(textOf(others.reply)).not.toContain('Never Call');
    expect(textOf(others.reply)).toContain(`of ${espo.all('Lead').length - 1}`);
    const cases = await h.command('list cases isInternal=true');
    expect(textOf(cases.reply)).toContain(String(anyCase!.name));
    expect(textOf(cases.reply)).toContain('of 1');
  });

  it('refuses a value its field cannot be compared with, saying what to type', async () => {
    expect(textOf((await h.command('list deals amount>$10k')).reply)).toContain(
      '`amount` is a number, like `amount&gt;10k` (the currency is `amountCurrency=EUR`)',
    );
    expect(textOf((await h.command('list leads doNotCall=maybe')).reply)).toContain('`doNotCall` is yes or no');
    expect(textOf((await h.command('list deals closeDate<soon')).reply)).toContain('`closeDate` is a day');
    expect(textOf((await h.command('list contacts teams=Sales')).reply)).toContain('`teams` holds a list of records');
    expect(h.membrane.calls.filter((c) => c.path.includes('/run') || c.path.includes('/proxy/'))).toEqual([]);
  });

  it('filters by a linked record by name or id, and by several enum options left out', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const globex = espo.all('Account').find((a) => a.name === 'Globex Corporation')!;
    const [theirs, others] = [true, false].map((match) =>
      espo.all('Contact').filter((c) => (c.accountId === globex.id) === match),
    );
    expect(theirs!.length).toBeGreaterThan(0);
    for (const value of ['"Globex Corporation"', globex.id]) {
      const { reply } = await h.command(`list contacts account=${String(value)} limit=20`);
      for (const contact of theirs!) expect(textOf(reply)).toContain(String(contact.name));
      for (const contact of others!) expect(textOf(reply)).not.toContain(String(contact.name));
    }
    const open = espo.all('Opportunity').filter((o) => o.stage !== 'Closed Won' && o.stage !== 'Closed Lost');
    const { reply } = await h.command('list deals stage!="Closed Won,Closed Lost" limit=20');
    expect(textOf(reply)).toContain(`of ${open.length}`);
    expect(textOf(reply)).toContain('stage not in Closed Won, Closed Lost');
  });

  it("reads a time in a datetime filter as the person's own, and sends it as UTC", async () => {
    const zone = 'America/New_York';
    const today = isoDate(new Date(), zone);
    const nineThere = dayStartUtc(today, zone, 0, '09:00');
    h.membrane.tenant('T1').espo.seed('Task', [
      { name: 'Before nine there', status: 'Not Started', dateEnd: dayStartUtc(today, zone, 0, '08:30') },
      { name: 'After nine there', status: 'Not Started', dateEnd: dayStartUtc(today, zone, 0, '09:30') },
    ]);
    const { reply } = await h.command(`list tasks dateEnd>="${today} 09:00" dateEnd<tomorrow name~nine`);
    expect(textOf(reply)).toContain('After nine there');
    expect(textOf(reply)).not.toContain('Before nine there');
    expect(JSON.stringify(h.membrane.calls.map((c) => c.query))).toContain(nineThere);
  });

  it('finds records by text', async () => {
    const { reply } = await h.command('find account acme');
    expect(textOf(reply)).toContain('Acme');
  });

  it('shows an empty state when nothing matches', async () => {
    const { reply } = await h.command('list leads status=Dead source=Partner emailAddress=nobody@nowhere.test');
    expect(textOf(reply)).toMatch(/No leads match/);
  });

  it('shows a record card, and Details from a list opens one', async () => {
    const lead = h.membrane.tenant('T1').espo.all('Lead')[0]!;
    const { reply } = await h.command(`show lead ${lead.id}`);
    expect(textOf(reply)).toContain(String(lead.name));
    expect(buttonNamed(reply, 'Open in EspoCRM').url).toBe(`${SITE_URL}/#Lead/view/${lead.id}`);
    const list = await h.command('list leads limit=2');
    const details = await h.click(
      buttonsOf(list.reply).find((b) => b.action_id.startsWith('espo_show:'))!,
      { responseId: list.responseId },
    );
    expect(textOf(details.replies[0]!)).toMatch(/Lead: /);
  });

  it('takes a pasted EspoCRM link', async () => {
    const lead = h.membrane.tenant('T1').espo.all('Lead')[1]!;
    const { reply } = await h.command(`show ${SITE_URL}/#Lead/view/${lead.id}`);
    expect(textOf(reply)).toContain(String(lead.name));
  });

  it('says politely when a record does not exist', async () => {
    const { reply } = await h.command('show lead 00000000000000000');
    expect(textOf(reply)).toContain('could not find that lead');
  });

  it('tries unknown words as custom entities', async () => {
    h.membrane
      .tenant('T1')
      .espo.defineEntity('CProject', { name: { type: 'varchar', required: true }, budget: { type: 'currency' } });
    h.membrane.tenant('T1').espo.seed('CProject', [{ name: 'Rollout' }]);
    expect(textOf((await h.command('list CProject')).reply)).toContain('Rollout');
    expect(textOf((await h.command('list widgets')).reply)).toContain('could not find');
  });

  it('escapes hostile CRM data: no pings, no spoofed links', async () => {
    const { reply } = await h.command('find lead channel');
    const raw = JSON.stringify(reply);
    expect(textOf(reply)).toContain('&lt;!channel&gt;');
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toContain('<http://evil');
  });

  it('shares a list in the channel on request, without buttons, saying who shared it', async () => {
    const { reply, responseId } = await h.command('list leads status=New limit=3');
    const shared = await h.click(buttonNamed(reply, 'Share in channel'), { responseId });
    expect(shared.replies[0]!.response_type).toBe('in_channel');
    expect(textOf(shared.replies[0]!)).toContain('Shared by <@U1>');
    expect(buttonsOf(shared.replies[0]!)).toHaveLength(0);
  });

  it('searches actions by intent', async () => {
    const { reply } = await h.command('actions create a task');
    const text = textOf(reply);
    expect(text).toContain('create-task');
    expect(text).toContain('(writes)');
  });

  it('runs a read action with JSON input at once, and shows a schema complaint for bad input', async () => {
    const ok = await h.command('run list-leads {"maxSize": 2}');
    expect(textOf(ok.reply)).toContain('"total"');
    const bad = await h.command('run list-leads {"maxSize": "two"}');
    expect(textOf(bad.reply)).toContain('does not fit `list-leads`');
    expect(textOf(bad.reply)).toContain('maxSize must be integer');
    const missing = await h.command('run no-such-action {}');
    expect(textOf(missing.reply)).toContain('There is no action `no-such-action`');
  });

  it('proxies GET requests to EspoCRM at once', async () => {
    const { reply } = await h.command('api GET /Lead?maxSize=1');
    expect(textOf(reply)).toContain('"list"');
  });

  it('answers bad input with usage, not a crash', async () => {
    const { reply } = await h.command('create lead oops');
    expect(textOf(reply)).toContain('field=value');
    expect(h.membrane.calls).toHaveLength(0);
  });
});
