import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';
import { send, signEspoBatch } from '../../fakes/espocrm/webhooks.js';
import { waitForLogs } from '../support/wait.js';

/**
 * Alerts end to end: `/espo subscribe` through Confirm registers EspoCRM webhooks through the fake
 * Membrane proxy; the fake EspoCRM then POSTs signed batches to the app's receiver (PUBLIC_URL is the
 * app's own address) and the cards land in the fake Slack.
 */
describe('alerts, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ publicUrl: true });
    // Before any command: profiles (and so emails) are cached for an hour.
    h.slack.emails.set('U1', 'jane.smith@example.com');
    await h.command('connect');
    await h.command('connect', { team: 'T2' });
  });
  afterAll(() => h.close());

  const espo = (team = 'T1') => h.membrane.tenant(team).espo;
  const postsTo = (channel: string) => (call: SlackCall) =>
    call.method === 'chat.postMessage' && call.body.channel === channel;
  const isBatchLog = (line: Record<string, unknown>) => line.msg === 'EspoCRM webhook batch handled';
  /** How many webhook batches the app has handled so far (each logs once its alerts are queued). */
  const batchesHandled = () => h.logs.filter(isBatchLog).length;
  /**
   * Waits for `count` batches handled after the first `since`, and returns how many alerts they
   * made: once every alert made has been posted, no other post is on its way.
   */
  async function alertsOfBatches(since: number, count: number): Promise<number> {
    const lines = (await waitForLogs(h.logs, isBatchLog, since + count)).slice(since);
    expect(lines).toHaveLength(count);
    return lines.reduce((sum, line) => sum + Number(line.alerts), 0);
  }

  /** `/espo subscribe …` in a channel, confirmed; returns the subscription id from the reply. */
  async function subscribe(text: string, who: { channel: string; team?: string; user?: string }) {
    const { reply, responseId } = await h.command(`subscribe ${text}`, who);
    const confirm = buttonNamed(reply, 'Confirm');
    const done = await h.click(confirm, { responseId, ...who });
    const said = textOf(done.replies[0]!);
    const id = /Subscribed \(([0-9a-f]+)\)/.exec(said)?.[1];
    if (!id) throw new Error(`not subscribed: ${said}`);
    return { id, preview: textOf(reply), said };
  }

  it('subscribes after Confirm, registers the EspoCRM webhook, lists it and audits it', async () => {
    const { reply } = await h.command('subscribe opportunity stage=Closed Won', { channel: 'CDEALS' });
    expect(textOf(reply)).toContain('Opportunity stage changes where stage = Closed Won');
    expect(espo().webhooks.registered.size).toBe(0);

    const { id, said } = await subscribe('opportunity stage=Closed Won', { channel: 'CDEALS' });
    expect(said).toContain('webhooks');
    // The channel as Slack shows it (a mention Slack renders), not the escaped text `&lt;#CDEALS&gt;`.
    expect(said).toContain(
      `Subscribed (${id}): alerts about Opportunity stage changes where stage = Closed Won go to <#CDEALS>.`,
    );
    const webhooks = [...espo().webhooks.registered.values()];
    expect(webhooks.map((w) => w.event)).toEqual(['Opportunity.fieldUpdate.stage']);
    expect(webhooks[0]!.url).toMatch(new RegExp(`^${h.app.url}/espocrm/webhooks/[\\w-]{20,}$`));
    expect(h.membrane.calls.some((c) => c.method === 'POST' && c.path.endsWith('/proxy/Webhook'))).toBe(true);

    const list = await h.command('subscriptions', { channel: 'CDEALS' });
    expect(textOf(list.reply)).toContain(id);
    expect(buttonNamed(list.reply, 'Unsubscribe').value).toBe(id);
    expect(
      (await h.app.store.audit.recent('T1', 5)).some(
        (e) => e.action.startsWith('subscribe CDEALS') && e.outcome === 'done',
      ),
    ).toBe(true);
    const status = await h.command('status', { channel: 'CDEALS' });
    expect(textOf(status.reply)).toContain('Alerts: webhooks');
  });

  it('posts a stage change as a card with old → new, in the subscribed channel', async () => {
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.stage === 'Prospecting')!;
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage: 'Closed Won' } });
    const [delivered] = await espo().webhooks.deliver();
    expect(delivered!.status).toBe(200);
    const [card] = await h.slack.waitForCalls(postsTo('CDEALS'));
    const text = textOf(card!.body as never);
    expect(text).toContain(String(deal.name));
    expect(text).toContain('Prospecting → Closed Won');
    expect(text).toContain('Jane Smith');
    expect(buttonNamed(card!.body as never, 'Open in EspoCRM').url).toBe(
      `https://crm.example.com/#Opportunity/view/${deal.id}`,
    );
  });

  it("shows the stage before the last change, which EspoCRM keeps only as the earlier note's new value", async () => {
    // EspoCRM's stream never holds a stage's old value (Stream\Service::getAuditedFieldsData skips
    // the statusField): each change's note has the stage it became, the Create note the first one.
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.name === 'Soylent Supply Chain')!;
    expect(deal.stage).toBe('Qualification');
    const before = h.slack.calls.filter(postsTo('CDEALS')).length;
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage: 'Proposal' } });
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { amount: 19000 } });
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage: 'Closed Won' } });
    await espo().webhooks.deliver();
    const cards = await h.slack.waitForCalls(postsTo('CDEALS'), before + 1);
    expect(textOf(cards.at(-1)!.body as never)).toContain('Proposal → Closed Won');
  });

  it('rejects a bad signature with 401, and a token nobody holds with 410, posting nothing', async () => {
    const before = h.slack.calls.filter(postsTo('CDEALS')).length;
    const handled = batchesHandled();
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.stage === 'Negotiation')!;
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage: 'Closed Won' } });
    const [batch] = espo().webhooks.takeBatches();
    const forged = batch!.body.replace('Closed Won', 'Closed Lost');
    expect(await send({ ...batch!, body: forged })).toBe(401);
    expect(
      await send({
        ...batch!,
        headers: {
          ...batch!.headers,
          Signature: Buffer.from(`${batch!.webhook.id}:${'0'.repeat(64)}`).toString('base64'),
          'X-Signature': 'AAAA',
        },
      }),
    ).toBe(401);
    expect(await send({ ...batch!, url: batch!.url.replace(/[^/]+$/, 'x'.repeat(32)) })).toBe(410);
    expect(h.slack.calls.filter(postsTo('CDEALS'))).toHaveLength(before);
    // The genuine batch, with only the legacy header an older EspoCRM sends, is accepted.
    const { Signature: _dropped, ...legacy } = batch!.headers;
    expect(await send({ ...batch!, headers: legacy })).toBe(200);
    await h.slack.waitForCalls(postsTo('CDEALS'), before + 1);
    // Only the genuine batch was handled, and its one alert is the one post: the refused ones posted nothing.
    expect(await alertsOfBatches(handled, 1)).toBe(1);
    expect(h.slack.calls.filter(postsTo('CDEALS'))).toHaveLength(before + 1);
  });

  it('lets EspoCRM retry a batch refused with 401, and delete a webhook whose receiver nobody holds (410)', async () => {
    await h.command('connect', { team: 'T4' });
    await subscribe('lead created', { channel: 'CFOUR', team: 'T4' });
    const [webhook] = [...espo('T4').webhooks.registered.values()];
    // A secret the bot does not know (rotated in EspoCRM): 401, and EspoCRM keeps the batch for another attempt.
    const secret = webhook!.secretKey;
    webhook!.secretKey = 'rotated-secret';
    espo('T4').request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Retried', lastName: 'Later', status: 'New' },
    });
    expect((await espo('T4').webhooks.deliver()).map((d) => d.status)).toEqual([401]);
    webhook!.secretKey = secret;
    expect((await espo('T4').webhooks.deliver()).map((d) => d.status)).toEqual([200]);
    const [card] = await h.slack.waitForCalls(postsTo('CFOUR'));
    expect(textOf(card!.body as never)).toContain('Retried Later');

    // The bot forgets the workspace without reaching EspoCRM (its state lost, or Membrane down at
    // uninstall): the next batch gets 410 and EspoCRM deletes the webhook, so nothing keeps coming.
    await h.app.store.installations.forgetWorkspace('T4');
    espo('T4').request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Nobody', lastName: 'Listens', status: 'New' },
    });
    expect((await espo('T4').webhooks.deliver()).map((d) => d.status)).toEqual([410]);
    expect(espo('T4').webhooks.registered.size).toBe(0);
    espo('T4').request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Still', lastName: 'Nobody', status: 'New' },
    });
    expect(await espo('T4').webhooks.deliver()).toEqual([]);
  });

  it("deletes a workspace's webhooks in EspoCRM when the app is uninstalled from it, after the ack", async () => {
    await h.command('connect', { team: 'T5' });
    await subscribe('lead created', { channel: 'CFIVE', team: 'T5' });
    await subscribe('opportunity stage=Closed Won', { channel: 'CFIVE', team: 'T5' });
    expect(espo('T5').webhooks.registered.size).toBe(2);
    // A slow Membrane does not hold up the ack: the deletions run after it.
    h.membrane.latencyMs = 1000;
    const sent = await h.sendEvent({ type: 'app_uninstalled' }, { team: 'T5' });
    expect(sent.status).toBe(200);
    expect(espo('T5').webhooks.registered.size).toBe(2);
    h.membrane.latencyMs = 0;
    await expect.poll(() => espo('T5').webhooks.registered.size, { timeout: 15_000 }).toBe(0);
    await waitForLogs(h.logs, (line) => line.event === 'app_uninstalled' && line.teamId === 'T5', 1, 15_000);
    expect(h.logs.find((line) => line.event === 'app_uninstalled' && line.teamId === 'T5')).toMatchObject({
      espoWebhooksDeleted: 2,
      espoWebhooksLeft: 0,
      subscriptions: 2,
      receiverTokens: 1,
    });
    expect(await h.app.store.alerts.delivery('T5')).toBeUndefined();
  });

  it('posts a redelivered batch once', async () => {
    const before = h.slack.calls.filter(postsTo('CDEALS')).length;
    const handled = batchesHandled();
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.stage === 'Qualification')!;
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage: 'Closed Won' } });
    const [batch] = espo().webhooks.takeBatches();
    expect(await send(batch!)).toBe(200);
    expect(await send(batch!)).toBe(200);
    await h.slack.waitForCalls(postsTo('CDEALS'), before + 1);
    expect(await alertsOfBatches(handled, 2)).toBe(1);
    expect(h.slack.calls.filter(postsTo('CDEALS'))).toHaveLength(before + 1);
  });

  it('alerts again when a deal is won, reopened and won again, each in a batch of its own', async () => {
    const before = h.slack.calls.filter(postsTo('CDEALS')).length;
    const handled = batchesHandled();
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.stage === 'Proposal')!;
    for (const stage of ['Closed Won', 'Negotiation', 'Closed Won']) {
      espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { stage } });
      // Byte for byte the same batch the first time and the third: `[{"id":…,"stage":"Closed Won"}]`.
      expect((await espo().webhooks.deliver()).map((d) => d.status)).toEqual([200]);
    }
    const cards = await h.slack.waitForCalls(postsTo('CDEALS'), before + 2);
    expect(
      cards
        .slice(before)
        .map((card) => textOf(card.body as never))
        .every((text) => text.includes(String(deal.name)) && text.includes('Closed Won')),
    ).toBe(true);
    expect(await alertsOfBatches(handled, 3)).toBe(2);
    expect(h.slack.calls.filter(postsTo('CDEALS'))).toHaveLength(before + 2);
  });

  it('posts only the new items of a batch EspoCRM retries with newer ones after it', async () => {
    const before = h.slack.calls.filter(postsTo('CDEALS')).length;
    const handled = batchesHandled();
    const [first, second] = espo()
      .all('Opportunity')
      .filter((o) => o.stage === 'Prospecting');
    espo().request({ method: 'PUT', path: `/Opportunity/${first!.id}`, query: {}, body: { stage: 'Closed Won' } });
    const [original] = espo().webhooks.takeBatches();
    expect(await send(original!)).toBe(200);
    await h.slack.waitForCalls(postsTo('CDEALS'), before + 1);
    // The answer was lost on the way: EspoCRM resends the same items, now with a newer one behind them.
    espo().request({ method: 'PUT', path: `/Opportunity/${second!.id}`, query: {}, body: { stage: 'Closed Won' } });
    const [newer] = espo().webhooks.takeBatches();
    const items = [...original!.items, ...newer!.items];
    const body = JSON.stringify(items);
    const webhook = original!.webhook;
    expect(
      await send({
        url: webhook.url,
        body,
        headers: { 'content-type': 'application/json', ...signEspoBatch(webhook.id, webhook.secretKey, body) },
      }),
    ).toBe(200);
    const cards = await h.slack.waitForCalls(postsTo('CDEALS'), before + 2);
    expect(textOf(cards.at(-1)!.body as never)).toContain(String(second!.name));
    expect(await alertsOfBatches(handled, 2)).toBe(2);
    expect(h.slack.calls.filter(postsTo('CDEALS'))).toHaveLength(before + 2);
  });

  it("keeps team A's events out of team B's channels", async () => {
    await subscribe('lead created source=Web Site', { channel: 'CLEADS' });
    await subscribe('lead created', { channel: 'CTEAM2', team: 'T2' });
    espo().request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Ada', lastName: 'Web', source: 'Web Site' },
    });
    espo().request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Bo', lastName: 'Phone', source: 'Call' },
    });
    const batches = espo().webhooks.takeBatches();
    const handled = batchesHandled();
    // T1's genuine batch sent to T2's receiver URL is refused: T2's secrets did not sign it.
    const t2Url = [...espo('T2').webhooks.registered.values()][0]!.url;
    expect(await send({ ...batches[0]!, url: t2Url })).toBe(401);
    for (const batch of batches) expect(await send(batch)).toBe(200);
    const [card] = await h.slack.waitForCalls(postsTo('CLEADS'));
    expect(textOf(card!.body as never)).toContain('Ada Web');
    expect(textOf(card!.body as never)).not.toContain('Bo Phone');
    // "Assign to me": the clicker's EspoCRM user (by Slack email), previewed, written on Confirm.
    const lead = espo()
      .all('Lead')
      .find((l) => l.lastName === 'Web')!;
    const jane = espo()
      .all('User')
      .find((u) => u.userName === 'jsmith')!;
    const assign = await h.click(buttonNamed(card!.body as never, 'Assign to me'), { channel: 'CLEADS' });
    expect(textOf(assign.replies[0]!)).toContain('Update this lead?');
    expect(espo().get('Lead', String(lead.id))!.assignedUserId).not.toBe(jane.id);
    await h.click(buttonNamed(assign.replies[0]!, 'Confirm'));
    expect(espo().get('Lead', String(lead.id))!.assignedUserId).toBe(jane.id);
    espo().webhooks.takeBatches();
    // Ada's is the one alert T1's batches made (Bo's source does not match).
    expect(await alertsOfBatches(handled, batches.length)).toBe(1);
    expect(h.slack.calls.filter(postsTo('CLEADS'))).toHaveLength(1);
    expect(h.slack.calls.filter(postsTo('CTEAM2'))).toHaveLength(0);

    espo('T2').request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Cy', lastName: 'Two', source: 'Call' },
    });
    await espo('T2').webhooks.deliver();
    const [t2card] = await h.slack.waitForCalls(postsTo('CTEAM2'));
    expect(textOf(t2card!.body as never)).toContain('Cy Two');
    expect(h.slack.calls.filter(postsTo('CLEADS'))).toHaveLength(1);
  });

  it('sends to=me alerts to the DM, and Mark done goes through Confirm', async () => {
    const jane = espo()
      .all('User')
      .find((u) => u.userName === 'jsmith')!;
    const { preview } = await subscribe('task assigned to=me', { channel: 'CGENERAL' });
    expect(preview).toContain('your DMs');
    expect([...espo().webhooks.registered.values()].map((w) => w.event)).toEqual(
      expect.arrayContaining(['Task.create', 'Task.fieldUpdate.assignedUser']),
    );

    espo().request({
      method: 'POST',
      path: '/Task',
      query: {},
      body: { name: 'Call Bob back', assignedUserId: jane.id, status: 'Not Started' },
    });
    espo().request({
      method: 'POST',
      path: '/Task',
      query: {},
      body: { name: 'Someone else', assignedUserId: espo().all('User')[1]!.id },
    });
    const handled = batchesHandled();
    const delivered = await espo().webhooks.deliver();
    const [dm] = await h.slack.waitForCalls(postsTo('U1'));
    expect(textOf(dm!.body as never)).toContain('Call Bob back');
    expect(await alertsOfBatches(handled, delivered.length)).toBe(1);
    expect(h.slack.calls.filter(postsTo('U1'))).toHaveLength(1);

    const task = espo()
      .all('Task')
      .find((t) => t.name === 'Call Bob back')!;
    const clicked = await h.click(buttonNamed(dm!.body as never, 'Mark done'), { channel: 'U1' });
    const confirmPreview = clicked.replies[0]!;
    expect(textOf(confirmPreview)).toContain('Update this task?');
    expect(textOf(confirmPreview)).toContain('Completed');
    expect(espo().get('Task', String(task.id))!.status).toBe('Not Started');
    await h.click(buttonNamed(confirmPreview, 'Confirm'));
    expect(espo().get('Task', String(task.id))!.status).toBe('Completed');
  });

  it('turns a burst for one subscription into one summary message', async () => {
    await subscribe('account created', { channel: 'CBURST' });
    for (let i = 1; i <= 5; i++)
      espo().request({ method: 'POST', path: '/Account', query: {}, body: { name: `Burst Co ${i}` } });
    const handled = batchesHandled();
    const delivered = await espo().webhooks.deliver();
    const [summary] = await h.slack.waitForCalls(postsTo('CBURST'));
    const text = textOf(summary!.body as never);
    expect(text).toContain('5 accounts');
    for (let i = 1; i <= 5; i++) expect(text).toContain(`Burst Co ${i}`);
    // All five alerts were made and went into that one summary.
    expect(await alertsOfBatches(handled, delivered.length)).toBe(5);
    expect(h.slack.calls.filter(postsTo('CBURST'))).toHaveLength(1);
  });

  it('ends a subscription whose channel Slack says is gone, and removes its webhook', async () => {
    const { id } = await subscribe('case created', { channel: 'CGONE' });
    expect([...espo().webhooks.registered.values()].some((w) => w.event === 'Case.create')).toBe(true);
    h.slack.goneChannels.add('CGONE');
    espo().request({ method: 'POST', path: '/Case', query: {}, body: { name: 'Nobody reads this' } });
    await espo().webhooks.deliver();
    await h.slack.waitForCalls(postsTo('CGONE'));
    await expect.poll(() => h.app.store.alerts.subscription(id), { timeout: 15_000 }).toBeUndefined();
    expect(await h.app.store.alerts.subscription(id)).toBeUndefined();
    await expect
      .poll(() => [...espo().webhooks.registered.values()].some((w) => w.event === 'Case.create'), { timeout: 6000 })
      .toBe(false);
    expect([...espo().webhooks.registered.values()].some((w) => w.event === 'Case.create')).toBe(false);
  });

  it('unsubscribes after Confirm and deletes the webhook nobody needs any more', async () => {
    const { id } = await subscribe('contact deleted', { channel: 'CCONTACTS' });
    expect([...espo().webhooks.registered.values()].some((w) => w.event === 'Contact.delete')).toBe(true);
    const { reply, responseId } = await h.command(`unsubscribe ${id}`, { channel: 'CCONTACTS' });
    expect(textOf(reply)).toContain('Stop alerts about deleted Contact records');
    const done = await h.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'CCONTACTS' });
    expect(textOf(done.replies[0]!)).toContain('Unsubscribed');
    expect(await h.app.store.alerts.subscription(id)).toBeUndefined();
    expect([...espo().webhooks.registered.values()].some((w) => w.event === 'Contact.delete')).toBe(false);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({
      action: `unsubscribe ${id}`,
      outcome: 'done',
    });
  });

  it('removes a subscription with the Unsubscribe button from /espo subscriptions, after Confirm', async () => {
    const { id } = await subscribe('document created', { channel: 'CDOCS' });
    const list = await h.command('subscriptions', { channel: 'CDOCS' });
    // The list also holds the person's DM subscriptions: this channel's one is the button with its id.
    const button = buttonsOf(list.reply).find((b) => b.text === 'Unsubscribe' && b.value === id)!;
    const clicked = await h.click(button, { channel: 'CDOCS', responseId: 'unsubscribe-button' });
    expect(textOf(clicked.replies[0]!)).toContain('Stop alerts about new Document records');
    expect(await h.app.store.alerts.subscription(id)).toBeDefined();
    const done = await h.click(buttonNamed(clicked.replies[0]!, 'Confirm'), {
      channel: 'CDOCS',
      responseId: 'unsubscribe-button',
    });
    expect(textOf(done.replies[0]!)).toContain('Unsubscribed');
    expect(await h.app.store.alerts.subscription(id)).toBeUndefined();
    expect([...espo().webhooks.registered.values()].some((w) => w.event === 'Document.create')).toBe(false);
  });

  it('lets only the subscribed channel, or whoever subscribed, remove a subscription; a DM one only its subscriber', async () => {
    const { id } = await subscribe('meeting created', { channel: 'CMEET' });
    const elsewhere = await h.command(`unsubscribe ${id}`, { channel: 'COTHER', user: 'U2' });
    expect(textOf(elsewhere.reply)).toContain(`Subscription \`${id}\` sends alerts to another channel`);
    expect(() => buttonNamed(elsewhere.reply, 'Confirm')).toThrow();
    // From the channel itself anyone may; the subscriber may from anywhere.
    expect(
      buttonNamed((await h.command(`unsubscribe ${id}`, { channel: 'CMEET', user: 'U2' })).reply, 'Confirm'),
    ).toBeDefined();
    expect(buttonNamed((await h.command(`unsubscribe ${id}`, { channel: 'COTHER' })).reply, 'Confirm')).toBeDefined();

    const dm = await subscribe('meeting assigned to=me', { channel: 'CMEET' });
    const other = await h.command(`unsubscribe ${dm.id}`, { channel: 'CMEET', user: 'U2' });
    expect(textOf(other.reply)).toContain(`There is no subscription \`${dm.id}\` here`);
    expect(await h.app.store.alerts.subscription(dm.id)).toBeDefined();
    expect(
      buttonNamed((await h.command(`unsubscribe ${dm.id}`, { channel: 'COTHER' })).reply, 'Confirm'),
    ).toBeDefined();
  });

  it('posts an Opportunity.update batch as a card: a re-assignment by names, not ids', async () => {
    await subscribe('opportunity updated', { channel: 'CUPDATES' });
    expect([...espo().webhooks.registered.values()].map((w) => w.event)).toContain('Opportunity.update');
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.name === 'Initech Partner Bundle')!;
    const [priya, marco] = ['pchen', 'mlopez'].map((name) =>
      espo()
        .all('User')
        .find((u) => u.userName === name)!,
    );
    expect(deal.assignedUserId).toBe(priya!.id);
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { assignedUserId: marco!.id } });
    const delivered = await espo().webhooks.deliver();
    expect(delivered.map((d) => [d.batch.webhook.event, d.status])).toEqual([['Opportunity.update', 200]]);
    const [card] = await h.slack.waitForCalls(postsTo('CUPDATES'));
    const text = textOf(card!.body as never);
    expect(text).toContain('Updated opportunity');
    expect(text).toContain('*Assigned to:* Priya Chen → Marco Lopez');
    expect(text).not.toContain(String(marco!.id));
    expect(text).not.toContain(String(priya!.id));
  });

  it('shows an amount change without an unchanged currency, and a currency change on its own', async () => {
    await subscribe('opportunity updated amount', { channel: 'CAMOUNT' });
    const deal = espo()
      .all('Opportunity')
      .find((o) => o.name === 'Initech Partner Bundle')!;
    const amount = Number(deal.amount);
    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { amount: amount + 5000 } });
    await espo().webhooks.deliver();
    const [card] = await h.slack.waitForCalls(postsTo('CAMOUNT'));
    const text = textOf(card!.body as never);
    expect(text).toContain(
      `*Amount:* $${amount.toLocaleString('en-US')} → $${(amount + 5000).toLocaleString('en-US')}`,
    );
    expect(text).not.toContain('Amount currency');

    espo().request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body: { amountCurrency: 'EUR' } });
    await espo().webhooks.deliver();
    const [, second] = await h.slack.waitForCalls(postsTo('CAMOUNT'), 2);
    expect(textOf(second!.body as never)).toContain('*Amount currency:* USD → EUR');
    expect(textOf(second!.body as never)).not.toContain('*Amount:*');
  });

  it('shows a change of a field whose name ends in "Name" (firstName) that no link owns', async () => {
    await subscribe('lead updated', { channel: 'CLEADUPDATES' });
    const lead = espo()
      .all('Lead')
      .find((l) => l.lastName === 'Web')!;
    espo().request({ method: 'PUT', path: `/Lead/${lead.id}`, query: {}, body: { firstName: 'Adaline' } });
    await espo().webhooks.deliver();
    const [card] = await h.slack.waitForCalls(postsTo('CLEADUPDATES'));
    expect(textOf(card!.body as never)).toContain('*First name:* → Adaline');
  });

  it('posts a *.delete batch as a card naming the deleted record by its id, with no buttons', async () => {
    await subscribe('lead deleted', { channel: 'CDELETED' });
    const lead = espo()
      .all('Lead')
      .find((l) => l.lastName === 'Phone')!;
    espo().request({ method: 'DELETE', path: `/Lead/${lead.id}`, query: {}, body: undefined });
    const delivered = await espo().webhooks.deliver();
    expect(delivered.map((d) => [d.batch.webhook.event, d.batch.items, d.status])).toEqual([
      ['Lead.delete', [{ id: lead.id }], 200],
    ]);
    const [card] = await h.slack.waitForCalls(postsTo('CDELETED'));
    const text = textOf(card!.body as never);
    expect(text).toContain('Deleted lead');
    expect(text).toContain(String(lead.id));
    expect(buttonsOf(card!.body as never)).toEqual([]);
  });

  it('accepts a signed batch of 50 and posts the alerts that match, as one summary', async () => {
    await subscribe('call created direction=Inbound', { channel: 'CCALLS' });
    const jane = espo()
      .all('User')
      .find((u) => u.userName === 'jsmith')!;
    for (let i = 1; i <= 50; i++) {
      const direction = i % 5 < 2 ? 'Inbound' : 'Outbound';
      const body = {
        name: `${direction} call ${i}`,
        direction,
        dateStart: '2026-12-01 10:00:00',
        dateEnd: '2026-12-01 10:30:00',
        assignedUserId: jane.id,
      };
      espo().request({ method: 'POST', path: '/Call', query: {}, body });
    }
    const batches = espo().webhooks.takeBatches();
    expect(batches.map((b) => [b.webhook.event, b.items.length])).toEqual([['Call.create', 50]]);
    const handled = batchesHandled();
    expect(await send(batches[0]!)).toBe(200);
    const [summary] = await h.slack.waitForCalls(postsTo('CCALLS'));
    const text = textOf(summary!.body as never);
    expect(text).toContain('20 calls');
    for (let i = 1; i <= 50; i++) {
      if (i % 5 < 2) expect(text).toContain(`Inbound call ${i}`);
      else expect(text).not.toContain(`Outbound call ${i}`);
    }
    expect(await alertsOfBatches(handled, 1)).toBe(20);
    expect(h.slack.calls.filter(postsTo('CCALLS'))).toHaveLength(1);
  });

  it('refuses Slack guests', async () => {
    h.slack.guests.add('UGUEST');
    const { reply } = await h.command('subscribe lead created', { channel: 'CLEADS', user: 'UGUEST' });
    expect(textOf(reply)).toContain('Only members of this workspace');
  });

  it('polls through the proxy, visibly, when EspoCRM refuses the webhook', async () => {
    await h.command('connect', { team: 'T3' });
    espo('T3').webhooks.refuseWith = 403;
    const { said } = await subscribe('case created priority=Urgent', { channel: 'CSUPPORT', team: 'T3' });
    expect(said).toContain('polling');
    expect(espo('T3').webhooks.registered.size).toBe(0);
    const status = await h.command('status', { team: 'T3', channel: 'CSUPPORT' });
    expect(textOf(status.reply)).toMatch(/Alerts: polling every 60 s \(EspoCRM refused to create a webhook/);

    espo('T3').request({
      method: 'POST',
      path: '/Case',
      query: {},
      body: { name: 'Server room flooded', priority: 'Urgent' },
    });
    espo('T3').request({ method: 'POST', path: '/Case', query: {}, body: { name: 'Printer toner', priority: 'Low' } });
    const polled = await h.app.pollOnce();
    expect(polled.alerts).toBe(1);
    const [card] = await h.slack.waitForCalls(postsTo('CSUPPORT'));
    expect(textOf(card!.body as never)).toContain('Server room flooded');
    expect(textOf(card!.body as never)).toContain('found by polling');
    expect(
      h.membrane.calls.some(
        (c) => c.tenant === 'T3' && c.method === 'GET' && /maxSize|limit/.test(JSON.stringify(c.query ?? {})),
      ),
    ).toBe(true);

    // The next round finds nothing new: the cursor moved, and what it saw is remembered.
    expect((await h.app.pollOnce()).alerts).toBe(0);
    // Both rounds' alerts (1 + 0) were handed over before pollOnce returned, and the one is posted.
    expect(h.slack.calls.filter(postsTo('CSUPPORT'))).toHaveLength(1);
  });
});

/** Without PUBLIC_URL EspoCRM has no address to send webhooks to: every tenant polls, and says so. */
describe('alerts by polling, when PUBLIC_URL is not set', () => {
  let h: Harness;
  // EspoCRM's modifiedAt has whole seconds: the clock says which second each change falls in.
  let now = new Date('2026-11-25T12:00:00Z');
  beforeAll(async () => {
    h = await startHarness({ now: () => now });
    await h.command('connect');
  });
  afterAll(() => h.close());

  it('polls through the proxy in pages of at most 200 from the modifiedAt cursor, and alerts once per change', async () => {
    const espo = h.membrane.tenant('T1').espo;
    // Cases have no Membrane list action, so the polling reads are the proxy's GETs.
    const { reply, responseId } = await h.command('subscribe case created', { channel: 'CPOLL' });
    const done = await h.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'CPOLL' });
    expect(textOf(done.replies[0]!)).toContain('PUBLIC_URL is not set');
    expect(espo.webhooks.registered.size).toBe(0);
    expect(h.membrane.calls.some((c) => c.method === 'POST' && c.path.endsWith('/proxy/Webhook'))).toBe(false);
    expect(textOf((await h.command('status', { channel: 'CPOLL' })).reply)).toContain(
      'Alerts: polling every 60 s (PUBLIC_URL is not set',
    );

    // More new cases than one page holds, all in one second (a minute after those already there).
    now = new Date(now.getTime() + 60_000);
    for (let i = 1; i <= 230; i++)
      espo.request({ method: 'POST', path: '/Case', query: {}, body: { name: `Polled case ${i}` } });
    h.membrane.resetCalls();
    expect(await h.app.pollOnce()).toMatchObject({ tenants: 1, changes: 230, alerts: 230 });
    const reads = h.membrane.calls.filter((c) => c.method === 'GET' && /\/proxy\/Case$/.test(c.path));
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const read of reads) {
      const query = read.query as Record<string, unknown>;
      expect(Number(query.maxSize)).toBeGreaterThan(0);
      expect(Number(query.maxSize)).toBeLessThanOrEqual(200);
      expect(JSON.stringify(query)).toMatch(/"attribute":"modifiedAt"/);
      expect(JSON.stringify(query)).toMatch(/"type":"greaterThanOrEquals"/);
    }
    const [summary] = await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPOLL');
    expect(textOf(summary!.body as never)).toContain('230 cases');

    // The cursor moved past all of them: the next round finds nothing.
    expect(await h.app.pollOnce()).toMatchObject({ changes: 0, alerts: 0 });
  });

  it('announces a polled stage change once: not again at a later edit, again once won anew', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const { reply, responseId } = await h.command('subscribe opportunity stage=Closed Won', { channel: 'CPOLLWON' });
    await h.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'CPOLLWON' });
    const deal = espo.all('Opportunity').find((o) => o.stage === 'Negotiation')!;
    const cards = () => h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPOLLWON');
    const edit = async (body: Record<string, unknown>) => {
      now = new Date(now.getTime() + 60_000);
      espo.request({ method: 'PUT', path: `/Opportunity/${deal.id}`, query: {}, body });
      return (await h.app.pollOnce()).alerts;
    };
    expect(await edit({ stage: 'Closed Won' })).toBe(1);
    await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPOLLWON');
    expect(textOf(cards()[0]!.body as never)).toContain('*Stage:* → Closed Won');
    // A later edit of the won deal is not its stage changing.
    expect(await edit({ description: 'Signed, countersigned.' })).toBe(0);
    expect(await edit({ stage: 'Negotiation' })).toBe(0);
    expect(await edit({ stage: 'Closed Won' })).toBe(1);
    await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPOLLWON', 2);
    // The four rounds made 1 + 0 + 0 + 1 alerts, handed over before each pollOnce returned: both are posted.
    expect(cards()).toHaveLength(2);
  });

  it('shows a polled link field by its current name, not an empty value', async () => {
    const espo = h.membrane.tenant('T1').espo;
    const { reply, responseId } = await h.command('subscribe case updated assignedUser', { channel: 'CPOLLED' });
    await h.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'CPOLLED' });
    const marco = espo.all('User').find((u) => u.userName === 'mlopez')!;
    const seeded = espo.all('Case').find((c) => !String(c.name).startsWith('Polled') && c.assignedUserId !== marco.id)!;
    now = new Date(now.getTime() + 60_000);
    espo.request({ method: 'PUT', path: `/Case/${seeded.id}`, query: {}, body: { assignedUserId: marco.id } });
    expect((await h.app.pollOnce()).alerts).toBe(1);
    const [card] = await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPOLLED');
    expect(textOf(card!.body as never)).toContain('*Assigned user name:* → Marco Lopez');
  });
});
