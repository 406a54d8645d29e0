import { afterEach, describe, expect, it } from 'vitest';
import { BOT_USER, SITE_URL, startHarness, textOf, type Harness } from '../support/harness.js';
import type { SlackCall } from '../../fakes/slack/server.js';
import { waitForLogs } from '../support/wait.js';

/** Link previews: a record link to the team's own EspoCRM, shared in a channel, unfurls as the record. */
describe('link previews (link_shared → chat.unfurl)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  let ts = 1_800_100_000;
  /** Shares links in a channel message, as Slack reports it to the app. */
  const share = (
    harness: Harness,
    urls: string[],
    options: {
      team?: string;
      user?: string;
      eventId?: string;
      headers?: Record<string, string>;
      messageTs?: string;
    } = {},
  ) =>
    harness.sendEvent(
      {
        type: 'link_shared',
        channel: 'C1',
        is_bot_user_member: true,
        user: options.user ?? 'U1',
        message_ts: options.messageTs ?? `${++ts}.000100`,
        unfurl_id: `unfurl-${ts}`,
        source: 'conversations_history',
        event_ts: `${ts}.000200`,
        links: urls.map((url) => ({ domain: new URL(url).hostname, url })),
      },
      { team: options.team, eventId: options.eventId, headers: options.headers },
    );

  const isUnfurl = (call: SlackCall) => call.method === 'chat.unfurl';
  const unfurlsOf = (call: SlackCall) => call.body.unfurls as Record<string, { blocks: unknown[] }>;
  const saidInChannel = (harness: Harness) => harness.slack.calls.filter((c) => c.method.startsWith('chat.post'));

  /** Waits for the one log line a shared-links event ends with. */
  function handled(harness: Harness, count = 1): Promise<Record<string, unknown>[]> {
    return waitForLogs(harness.logs, (line) => line.kind === 'link_shared', count);
  }

  /**
   * Connects `team` (as U1) and seeds a lead into the EspoCRM behind `tenantKey` (the team, or team:user in user
   * scope).
   */
  async function connectedWithLead(harness: Harness, team = 'T1', tenantKey = team) {
    expect(textOf((await harness.command('connect', { team })).reply)).toContain('Connected to EspoCRM');
    const [lead] = harness.membrane.tenant(tenantKey).espo.seed('Lead', [
      {
        firstName: 'Bob',
        lastName: '<b>& Co',
        status: 'New',
        source: 'Web Site',
        emailAddress: 'bob@acme.example',
        accountName: 'Acme <!channel>',
      },
    ]);
    return { id: String(lead!.id), url: `${SITE_URL}/#Lead/view/${lead!.id}` };
  }

  it("unfurls a lead link with the lead's name and key fields, escaped, linked to the record", async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    const sent = await share(h, [lead.url]);
    expect(sent.status).toBe(200);
    const [call] = await h.slack.waitForCalls(isUnfurl);
    // The event carried unfurl_id and source, so the preview is addressed by them.
    expect(call!.body).toMatchObject({ unfurl_id: expect.stringMatching(/^unfurl-/), source: 'conversations_history' });
    const unfurls = unfurlsOf(call!);
    expect(Object.keys(unfurls)).toEqual([lead.url]);
    const text = textOf({ blocks: unfurls[lead.url]!.blocks });
    expect(text).toContain(`<${SITE_URL}/#Lead/view/${lead.id}|Bob &lt;b&gt;&amp; Co>`);
    expect(text).toContain('*Status*\nNew');
    expect(text).toContain('<mailto:bob@acme.example|bob@acme.example>');
    expect(text).toContain('Lead');
    // CRM text never becomes markup: no raw tags, no channel ping.
    expect(text).not.toContain('<b>');
    expect(text).not.toContain('<!channel>');
    expect(saidInChannel(h)).toHaveLength(0);
    const [line] = await handled(h);
    expect(line).toMatchObject({ team: 'T1', user: 'U1', outcome: 'unfurled', unfurled: 1 });
  });

  it("does not unfurl links in the bot's own messages", async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    await share(h, [lead.url], { user: BOT_USER });
    await share(h, [lead.url]);
    await handled(h);
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(1);
    expect(h.logs.filter((line) => line.kind === 'link_shared').map((line) => line.user)).toEqual(['U1']);
  });

  it('uses channel and ts when the event has no unfurl_id', async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    await h.sendEvent({
      type: 'link_shared',
      channel: 'C9',
      is_bot_user_member: true,
      user: 'U1',
      message_ts: '1800200000.000100',
      event_ts: '1800200000.000200',
      links: [{ domain: 'crm.example.com', url: lead.url }],
    });
    const [call] = await h.slack.waitForCalls(isUnfurl);
    expect(call!.body).toMatchObject({ channel: 'C9', ts: '1800200000.000100' });
    expect(call!.body.unfurl_id).toBeUndefined();
  });

  it("leaves links to any other host alone: another team's CRM, lookalikes, non-record pages", async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    h.membrane.resetCalls();
    const foreign = [
      `https://crm.other-team.example/#Lead/view/${lead.id}`,
      `https://crm.example.com.evil.net/#Lead/view/${lead.id}`,
      `https://crm.example.com@evil.net/#Lead/view/${lead.id}`,
      `http://crm.example.com/#Lead/view/${lead.id}`,
      `https://crm.example.com:8443/#Lead/view/${lead.id}`,
      `https://crm.example.com/other/#Lead/view/${lead.id}`,
      `https://crm.example.com/?x=1#Lead/view/${lead.id}`,
      `${SITE_URL}/#Lead/list`,
      `${SITE_URL}/#Lead/view/${lead.id}/extra`,
      `${SITE_URL}/#Settings/view/1`,
    ];
    await share(h, foreign);
    // Only links to our own EspoCRM count, even when shared alongside others.
    await share(h, [...foreign.slice(0, 2), lead.url]);
    const [call] = await h.slack.waitForCalls(isUnfurl);
    expect(Object.keys(unfurlsOf(call!))).toEqual([lead.url]);
    await handled(h);
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(1);
    // Foreign links cost nothing: one record read for the one link that was ours.
    expect(h.membrane.calls.filter((c) => c.tenant === 'T1' && c.path !== '/actions')).toHaveLength(1);
  });

  it('does nothing for a team that is not connected: no unfurl, not a single Membrane call for it', async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    h.membrane.resetCalls();
    await share(h, [lead.url], { team: 'T2' });
    const [line] = await handled(h);
    expect(line).toMatchObject({ team: 'T2', outcome: 'not_connected' });
    expect(h.membrane.calls.filter((c) => c.tenant === 'T2')).toEqual([]);
    expect(h.membrane.tenant('T2').connection).toBeUndefined();
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(0);
    expect(saidInChannel(h)).toHaveLength(0);
  });

  it("reads with the sharing team's own connection: another team's record id shows nothing", async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h, 'T1');
    await h.command('connect', { team: 'T2' });
    h.membrane.resetCalls();
    await share(h, [lead.url], { team: 'T2' });
    const [line] = await handled(h);
    expect(line).toMatchObject({
      team: 'T2',
      outcome: 'nothing_to_show',
      skipped: [{ entity: 'Lead', code: 'not_found' }],
    });
    expect(h.membrane.calls.every((c) => c.tenant === 'T2')).toBe(true);
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(0);
  });

  it('in user scope, only the person who shared the link counts: their own connection or nothing', async () => {
    h = await startHarness({ env: { CONNECTION_SCOPE: 'user' } });
    const lead = await connectedWithLead(h, 'T1', 'T1:U1');
    h.membrane.resetCalls();
    await share(h, [lead.url], { user: 'U2' });
    const [line] = await handled(h);
    expect(line).toMatchObject({ user: 'U2', outcome: 'not_connected' });
    expect(h.membrane.calls).toEqual([]);
    await share(h, [lead.url], { user: 'U1' });
    await h.slack.waitForCalls(isUnfurl);
  });

  it('skips a missing record without a word in the channel, and still previews the others', async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    const missing = `${SITE_URL}/#Lead/view/doesnotexist00001`;
    await share(h, [missing]);
    const [first] = await handled(h);
    expect(first).toMatchObject({ outcome: 'nothing_to_show', skipped: [{ entity: 'Lead', code: 'not_found' }] });
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(0);

    await share(h, [missing, lead.url]);
    const [call] = await h.slack.waitForCalls(isUnfurl);
    expect(Object.keys(unfurlsOf(call!))).toEqual([lead.url]);
    expect(saidInChannel(h)).toHaveLength(0);
    // The bot carries on as usual.
    expect(textOf((await h.command('list leads')).reply)).toContain('Showing');
  });

  it('unfurls a retried event (same event_id) once', async () => {
    h = await startHarness();
    const lead = await connectedWithLead(h);
    const messageTs = '1800300000.000100';
    await share(h, [lead.url], { eventId: 'EvLink1', messageTs });
    await share(h, [lead.url], {
      eventId: 'EvLink1',
      messageTs,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    await h.slack.waitForCalls(isUnfurl);
    await handled(h);
    await waitForLogs(h.logs, (line) => line.msg === 'duplicate Slack event dropped');
    expect(h.logs.some((line) => line.msg === 'duplicate Slack event dropped' && line.eventId === 'EvLink1')).toBe(
      true,
    );
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(1);
  });

  it('previews at most five records from one message', async () => {
    h = await startHarness();
    await h.command('connect');
    const leads = h.membrane.tenant('T1').espo.seed(
      'Lead',
      Array.from({ length: 7 }, (_, i) => ({ firstName: 'Lead', lastName: `Number${i}`, status: 'New' })),
    );
    await share(
      h,
      leads.map((lead) => `${SITE_URL}/#Lead/view/${lead.id}`),
    );
    const [call] = await h.slack.waitForCalls(isUnfurl);
    expect(Object.keys(unfurlsOf(call!))).toHaveLength(5);
  });
});
