import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { buttonNamed, startHarness, textOf, type Harness } from '../support/harness.js';

/**
 * `/espo doctor` (issue 12, item 8): harmless probes of the live connection, each assumption the
 * bot makes and whether it holds, kept per tenant so the bot adapts; and the same check by itself
 * when a new connection becomes READY, telling the person only of problems.
 */
describe('/espo doctor', () => {
  let h: Harness;
  afterEach(() => h.close());

  const dmsTo = (user: string) =>
    h.slack.calls.filter((call: SlackCall) => call.method === 'chat.postMessage' && call.body.channel === user);
  const writesOf = () =>
    h.membrane.calls.filter(
      (call) => call.method !== 'GET' && !['/connections/ensure'].includes(call.path) && !call.path.endsWith('/run'),
    );

  it('reports each assumption in one message, to workspace admins only, with harmless reads', async () => {
    h = await startHarness();
    h.slack.admins.add('UADMIN');
    await h.command('connect', { user: 'UADMIN' });
    const refused = await h.command('doctor', { user: 'U1' });
    expect(textOf(refused.reply)).toContain('only a Slack workspace admin or owner can check it');

    h.membrane.resetCalls();
    const { reply } = await h.command('doctor', { user: 'UADMIN' });
    const text = textOf(reply);
    for (const name of [
      'REST proxy',
      'Webhooks',
      'Page size',
      'EspoCRM version',
      'Actions',
      'List actions',
      'Record links',
    ])
      expect(text).toContain(`*${name}*`);
    expect(text).toContain('`GET /User?maxSize=1` answers through the proxy');
    expect(text).toContain('EspoCRM 10.0.0');
    expect(text).toContain('20 of the 20 EspoCRM actions');
    expect(text).toContain('list-contacts: pages by a page size');
    expect(text).toContain('Links go to https://crm.example.com');
    expect(text).toContain('`crm.example.com` among the Slack app');
    expect(text).not.toMatch(/:warning: \*/);
    // Reads only: GETs through the proxy and the catalog, list actions run for one record.
    expect(writesOf()).toEqual([]);
    const runs = h.membrane.calls.filter((call) => call.path.endsWith('/run'));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((call) => /^\/actions\/list-/.test(call.path))).toBe(true);
  });

  it('finds a proxy that points at the site, a lower page limit and no Webhooks scope; the bot adapts to each', async () => {
    h = await startHarness();
    h.slack.admins.add('U1');
    const tenant = h.membrane.tenant('T1');
    tenant.proxyBase = 'site';
    tenant.espo.settings.recordListMaxSizeLimit = 50;
    tenant.espo.webhooks.refuseWith = 403;
    await h.command('connect');
    const { reply } = await h.command('doctor');
    const text = textOf(reply);
    expect(text).toContain('`GET /api/v1/User?maxSize=1` answers, so the bot puts `/api/v1` before every REST path');
    expect(text).toContain('at most 50 records a page');
    expect(text).toContain('may not manage webhooks (403), so alerts are polled');
    // Adapted, not problems: nobody has to act, so the check of the new connection told nobody.
    expect(text).not.toMatch(/:warning: \*/);
    expect(dmsTo('U1')).toEqual([]);

    // The proxy is reached under /api/v1 now: cases have no action, so this is the proxy.
    const cases = await h.command('list cases');
    expect(textOf(cases.reply)).toContain('Cases');
    expect(h.membrane.calls.some((call) => /\/proxy\/api\/v1\/Case$/.test(call.path))).toBe(true);

    // Alert polling reads pages EspoCRM accepts (it refuses more than 50), and misses nothing.
    const subscribe = await h.command('subscribe case created', { channel: 'CPOLL' });
    await h.click(buttonNamed(subscribe.reply, 'Confirm'), { channel: 'CPOLL', responseId: subscribe.responseId });
    for (let i = 1; i <= 120; i++)
      tenant.espo.seed('Case', [
        {
          name: `Polled case ${i}`,
          status: 'New',
          createdAt: '2099-01-01 00:00:00',
          modifiedAt: '2099-01-01 00:00:00',
        },
      ]);
    h.membrane.resetCalls();
    expect(await h.app.pollOnce()).toMatchObject({ changes: 120, alerts: 120 });
    const reads = h.membrane.calls.filter((call) => /\/proxy\/api\/v1\/Case$/.test(call.path));
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.every((call) => Number(call.query.maxSize) <= 50)).toBe(true);
  });

  it('learns the page limit from EspoCRM refusing a larger page, when it was lowered after the check', async () => {
    h = await startHarness();
    await h.command('connect');
    const espo = h.membrane.tenant('T1').espo;
    const subscribe = await h.command('subscribe case created', { channel: 'CPOLL' });
    await h.click(buttonNamed(subscribe.reply, 'Confirm'), { channel: 'CPOLL', responseId: subscribe.responseId });
    espo.settings.recordListMaxSizeLimit = 40;
    for (let i = 1; i <= 90; i++)
      espo.seed('Case', [
        { name: `Later case ${i}`, status: 'New', createdAt: '2099-01-01 00:00:00', modifiedAt: '2099-01-01 00:00:00' },
      ]);
    h.membrane.resetCalls();
    expect(await h.app.pollOnce()).toMatchObject({ changes: 90, alerts: 90 });
    const sizes = h.membrane.calls
      .filter((call) => call.path.endsWith('/proxy/Case'))
      .map((call) => Number(call.query.maxSize));
    expect(sizes[0]).toBe(200); // refused: "Max size should not exceed 40. Use offset and limit."
    expect(sizes.slice(1).every((size) => size === 40)).toBe(true);
    // Kept for the tenant: the next round asks for 40 from the start.
    h.membrane.resetCalls();
    await h.app.pollOnce();
    const next = h.membrane.calls
      .filter((call) => call.path.endsWith('/proxy/Case'))
      .map((call) => Number(call.query.maxSize));
    expect(next.length).toBeGreaterThan(0);
    expect(next.every((size) => size === 40)).toBe(true);
  });

  it('checks a new connection by itself, once, and tells the person who connected it only of problems', async () => {
    // No ESPOCRM_URL (many workspaces), and an EspoCRM that calls itself http://localhost.
    h = await startHarness({ env: { ESPOCRM_URL: '' } });
    h.slack.admins.add('UADMIN');
    h.membrane.tenant('T1').espo.settings.siteUrl = 'http://localhost';
    await h.command('connect', { user: 'UADMIN' });
    const [notice] = dmsTo('UADMIN');
    expect(notice).toBeDefined();
    const said = textOf(notice!.body as { text?: string; blocks?: unknown[] });
    expect(said).toContain('The new EspoCRM connection needs attention');
    expect(said).toContain('*Record links*');
    expect(said).toContain('/espo connect https://your-crm.example.com');
    // Problems only: what holds, or is worked around, is not in it.
    expect(said).not.toContain('*REST proxy*');
    expect(said).not.toContain('*Actions*');

    // Once per connection, whoever uses it next and whatever instance.
    await h.command('list leads', { user: 'U1' });
    await h.command('status', { user: 'UADMIN' });
    const other = await h.startInstance();
    expect(other).toBeDefined();
    await h.command('list leads', { user: 'U2' });
    expect(dmsTo('UADMIN')).toHaveLength(1);
    expect(dmsTo('U1')).toHaveLength(0);

    // The admin gives the address; a new connection is checked again, and has no problem to tell.
    await h.command('connect https://crm.acme.test', { user: 'UADMIN' });
    const { reply, responseId } = await h.command('disconnect', { user: 'UADMIN' });
    await h.click(buttonNamed(reply, 'Confirm'), { user: 'UADMIN', responseId });
    h.membrane.resetCalls();
    await h.command('connect', { user: 'UADMIN' });
    expect(h.membrane.calls.some((call) => call.path.endsWith('/proxy/Settings'))).toBe(true);
    expect(dmsTo('UADMIN')).toHaveLength(1);
    expect(JSON.stringify((await h.command('list leads', { user: 'UADMIN' })).reply)).toContain(
      'https://crm.acme.test/#Lead/view/',
    );
  });
});
