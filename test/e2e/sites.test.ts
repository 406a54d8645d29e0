import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { buttonNamed, SITE_URL, startHarness, textOf, type Harness } from '../support/harness.js';
import { waitForLogs } from '../support/wait.js';

/**
 * Each workspace's own EspoCRM address (issue 12, item 6). ESPOCRM_URL (crm.example.com here) is
 * one workspace's; T2's EspoCRM says it lives at acme.espocloud.com, and T3's was installed as
 * http://localhost (as behind a proxy), so its admin gives the address with `/espo connect <url>`.
 */
describe("each workspace's EspoCRM address", () => {
  const T2_SITE = 'https://acme.espocloud.com';
  const T3_SITE = 'https://crm.t3.example';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.slack.admins.add('UADMIN');
    h.membrane.tenant('T2').espo.settings.siteUrl = T2_SITE;
    h.membrane.tenant('T3').espo.settings.siteUrl = 'http://localhost:8080';
    for (const team of ['T1', 'T2', 'T3']) await h.command('connect', { team });
  });
  afterAll(() => h.close());

  const espo = (team: string) => h.membrane.tenant(team).espo;
  const firstLead = (team: string) => String(espo(team).all('Lead')[0]!.id);

  it("links each workspace's records to its own EspoCRM: learned from EspoCRM, else ESPOCRM_URL", async () => {
    const t1 = textOf((await h.command('list leads', { team: 'T1' })).reply);
    expect(t1).toContain(`${SITE_URL}/#Lead/view/`);
    const t2 = textOf((await h.command('list leads', { team: 'T2' })).reply);
    expect(t2).toContain(`${T2_SITE}/#Lead/view/`);
    expect(t2).not.toContain(SITE_URL);
    // EspoCRM's own http://localhost would be a dead link: the default stands until the admin says.
    expect(textOf((await h.command('list leads', { team: 'T3' })).reply)).toContain(`${SITE_URL}/#Lead/view/`);
    expect(textOf((await h.command('status', { team: 'T2' })).reply)).toContain(
      `Record links go to ${T2_SITE} (EspoCRM's own site URL)`,
    );
  });

  it('takes the address from a workspace admin at /espo connect, and from nobody else', async () => {
    const refused = await h.command(`connect ${T3_SITE}`, { team: 'T3', user: 'U1' });
    expect(textOf(refused.reply)).toContain('only a Slack workspace admin or owner can set the EspoCRM address');
    expect(textOf((await h.command('connect not-a-url', { team: 'T3', user: 'UADMIN' })).reply)).toContain(
      'is not a web address',
    );

    // Slack may send a typed address as a link.
    const set = await h.command(`connect <${T3_SITE}/|crm.t3.example>`, { team: 'T3', user: 'UADMIN' });
    expect(textOf(set.reply)).toContain(`Record links go to ${T3_SITE} (set with`);
    const lead = firstLead('T3');
    expect(JSON.stringify((await h.command(`show lead ${lead}`, { team: 'T3' })).reply)).toContain(
      `${T3_SITE}/#Lead/view/${lead}`,
    );
    // Another workspace is not affected.
    expect(textOf((await h.command('list leads', { team: 'T1' })).reply)).not.toContain(T3_SITE);
  });

  /** Shares one link in a channel of `team`; resolves with the log line it ended in. */
  async function share(team: string, url: string): Promise<Record<string, unknown>> {
    const before = h.logs.filter((line) => line.kind === 'link_shared').length;
    const ts = `${1_800_200_000 + before}.000100`;
    await h.sendEvent(
      {
        type: 'link_shared',
        channel: 'C1',
        user: 'U1',
        message_ts: ts,
        unfurl_id: `u-${ts}`,
        source: 'conversations_history',
        event_ts: ts,
        links: [{ domain: new URL(url).hostname, url }],
      },
      { team },
    );
    return (await waitForLogs(h.logs, (line) => line.kind === 'link_shared', before + 1)).at(-1)!;
  }

  it('previews a shared link only in the workspace whose EspoCRM it points to', async () => {
    const isUnfurl = (call: SlackCall) => call.method === 'chat.unfurl';
    const t2Link = `${T2_SITE}/#Lead/view/${firstLead('T2')}`;
    expect(await share('T2', t2Link)).toMatchObject({ outcome: 'unfurled' });
    const [unfurl] = await h.slack.waitForCalls(isUnfurl);
    expect(JSON.stringify(unfurl!.body.unfurls)).toContain(t2Link);
    // ESPOCRM_URL is another workspace's EspoCRM for T2; T2's address is not T1's.
    expect(await share('T2', `${SITE_URL}/#Lead/view/${firstLead('T2')}`)).toMatchObject({ outcome: 'no_links' });
    expect(await share('T1', t2Link)).toMatchObject({ outcome: 'no_links' });
    expect(await share('T3', `${T3_SITE}/#Lead/view/${firstLead('T3')}`)).toMatchObject({ outcome: 'unfurled' });
    expect(h.slack.calls.filter(isUnfurl)).toHaveLength(2);
  });

  it("links alerts and digests to the workspace's own EspoCRM", async () => {
    const { reply, responseId } = await h.command('subscribe case created', { team: 'T2', channel: 'C-T2' });
    await h.click(buttonNamed(reply, 'Confirm'), { team: 'T2', channel: 'C-T2', responseId });
    const [created] = espo('T2').seed('Case', [
      { name: 'Printer on fire', status: 'New', createdAt: '2099-01-01 00:00:00', modifiedAt: '2099-01-01 00:00:00' },
    ]);
    await h.app.pollOnce();
    const [alert] = await h.slack.waitForCalls(
      (call) => call.method === 'chat.postMessage' && call.body.channel === 'C-T2',
    );
    expect(JSON.stringify(alert!.body)).toContain(`${T2_SITE}/#Case/view/${created!.id}`);

    const digest = await h.command('digest now', { team: 'T2' });
    const text = JSON.stringify(digest.reply);
    expect(text).toContain(`${T2_SITE}/#Opportunity/view/`);
    expect(text).not.toContain(SITE_URL);

    // The scheduled one, sent by the scheduler outside any request of T2's.
    const scheduled = await h.command('digest daily 09:00', { team: 'T2', channel: 'C-T2D' });
    await h.click(buttonNamed(scheduled.reply, 'Confirm'), {
      team: 'T2',
      channel: 'C-T2D',
      responseId: scheduled.responseId,
    });
    const [job] = await h.app.store.digests.forChannel('T2', 'C-T2D');
    await h.app.scheduler.tick(new Date(job!.nextRunAt.getTime() + 1000));
    const [sent] = await h.slack.waitForCalls(
      (call) => call.method === 'chat.postMessage' && call.body.channel === 'C-T2D',
    );
    expect(JSON.stringify(sent!.body)).toContain(`${T2_SITE}/#`);
    expect(JSON.stringify(sent!.body)).not.toContain(SITE_URL);
  });
});
