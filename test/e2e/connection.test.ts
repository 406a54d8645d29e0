import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../fakes/membrane/server.js';
import { buttonNamed, startHarness, textOf, type Harness } from '../support/harness.js';

/**
 * The calls made for the first request among `calls` (the bot's own check of a new connection runs beside it, as a
 * request of its own).
 */
const ofFirstRequest = (calls: RecordedCall[]) => calls.filter((call) => call.requestId === calls[0]?.requestId);

describe('EspoCRM connection through Membrane', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('connects when Membrane has the connection READY, and says so in status', async () => {
    h = await startHarness();
    expect(textOf((await h.command('status')).reply)).toContain('Not connected');
    expect(textOf((await h.command('connect')).reply)).toContain('Connected to EspoCRM');
    expect(textOf((await h.command('status')).reply)).toContain('Connected to EspoCRM');
  });

  it('shows the connect link only to the person, and for a shared connection only to an admin', async () => {
    h = await startHarness();
    h.slack.admins.add('U1');
    h.membrane.tenant('T1').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/abc' };
    const member = await h.command('list leads', { user: 'U2' });
    expect(textOf(member.reply)).toContain('Ask a Slack workspace admin');
    expect(JSON.stringify(member.reply)).not.toContain('connect.example');
    expect(JSON.stringify((await h.command('connect', { user: 'U2' })).reply)).not.toContain('connect.example');
    const { reply } = await h.command('list leads');
    expect(reply.response_type).toBe('ephemeral');
    expect(buttonNamed(reply, 'Connect EspoCRM').url).toBe('https://connect.example/abc');
    expect(textOf(reply)).toContain('only shown to you');
    // Once they finish, status sees it (though the bot's cache did not know it) and commands work.
    h.membrane.tenant('T1').setConnectionState('READY');
    expect(textOf((await h.command('status', { user: 'U2' })).reply)).toContain('Connected to EspoCRM');
    expect(textOf((await h.command('list leads', { user: 'U2' })).reply)).toContain('Leads');
  });

  it('waits while the connection is BUILDING', async () => {
    h = await startHarness();
    h.membrane.tenant('T1').ensureState = { state: 'BUILDING', buildingPolls: 2 };
    expect(textOf((await h.command('list leads')).reply)).toContain('Showing');
  });

  it.each(['SETUP_FAILED', 'CONFIGURATION_ERROR'] as const)(
    "passes Membrane's message on when the connection is %s",
    async (state) => {
      h = await startHarness();
      h.membrane.tenant('T1').ensureState = { state, message: 'EspoCRM answered 401 for the API key' };
      expect(textOf((await h.command('list leads')).reply)).toContain('EspoCRM answered 401 for the API key');
      expect(textOf((await h.command('list leads')).reply)).toContain(
        'To start over: `/espo disconnect`, then `/espo connect`.',
      );
      expect(textOf((await h.command('connect')).reply)).toContain('EspoCRM answered 401 for the API key');
    },
  );

  it('passes on what a provide-input without a page asks for, with no dead link', async () => {
    h = await startHarness();
    h.slack.admins.add('U1');
    h.membrane.tenant('T1').ensureState = {
      state: 'CLIENT_ACTION_REQUIRED',
      provideInput: {
        description: 'EspoCRM needs its site URL.',
        agentInstructions: 'Set input.siteUrl on the connection in the Membrane console.',
      },
    };
    const { reply } = await h.command('connect');
    expect(textOf(reply)).toContain(
      'EspoCRM needs its site URL. Set input.siteUrl on the connection in the Membrane console.',
    );
    expect(() => buttonNamed(reply, 'Connect EspoCRM')).toThrow();
    expect(textOf(reply)).not.toContain('only shown to you');
    expect(textOf((await h.command('status')).reply)).toContain('Set input.siteUrl');
  });

  it('asks for a reconnect, not a fresh start, when the connection is defunct or being disconnected', async () => {
    h = await startHarness();
    await h.command('connect');
    const connection = h.membrane.tenant('T1').connection!;
    connection.isDefunct = true;
    const defunct = textOf((await h.command('status')).reply);
    expect(defunct).toContain('disconnected; reconnect it');
    expect(defunct).not.toContain('start over');
    connection.isDefunct = false;
    h.membrane.tenant('T1').setConnectionState('DISCONNECTING');
    const leaving = textOf((await h.command('status')).reply);
    expect(leaving).toContain('being disconnected');
    expect(leaving).not.toContain('start over');
  });

  it('costs one Membrane call per warm command, and re-ensures when the connection disappears', async () => {
    h = await startHarness();
    h.membrane.resetCalls();
    await h.command('list leads');
    const cold = ofFirstRequest(h.membrane.calls).length;
    expect(cold).toBe(3); // ensure, catalog, run
    h.membrane.resetCalls();
    await h.command('list leads');
    expect(h.membrane.calls).toHaveLength(1);

    // The connection is archived behind the bot's back: the next command recovers on its own.
    h.membrane.tenant('T1').connection!.archived = true;
    const { reply } = await h.command('list leads');
    expect(textOf(reply)).toContain('Showing');
  });

  it('reads the whole action catalog, page by page', async () => {
    h = await startHarness();
    const tenant = h.membrane.tenant('T1');
    const filler = tenant.actions.find((a) => a.key === 'get-user')!;
    // 110 other actions first: Membrane's EspoCRM actions land on the catalog's second page.
    tenant.actions.unshift(
      ...Array.from({ length: 110 }, (_, i) => ({ ...filler, id: `act_other_${i}`, key: `other-action-${i}` })),
    );
    h.membrane.resetCalls();
    await h.command('list leads status=New');
    expect(
      ofFirstRequest(h.membrane.calls)
        .filter((c) => c.path === '/actions')
        .map((c) => c.query.cursor ?? '0'),
    ).toEqual(['0', '100']);
    expect(h.membrane.calls.some((c) => c.path === '/actions/list-leads/run')).toBe(true);
  });

  it('disconnects after a confirm, and only a workspace admin may end the shared connection', async () => {
    h = await startHarness();
    h.slack.admins.add('UADMIN');
    await h.command('connect');
    const refused = await h.command('disconnect', { user: 'U1' });
    expect(textOf(refused.reply)).toContain('only a Slack workspace admin or owner');
    const { reply, responseId } = await h.command('disconnect', { user: 'UADMIN' });
    expect(textOf(reply)).toContain('Disconnect EspoCRM?');
    expect(h.membrane.tenant('T1').connection!.archived).toBeFalsy();
    const done = await h.click(buttonNamed(reply, 'Confirm'), { responseId, user: 'UADMIN' });
    expect(textOf(done.replies[0]!)).toContain('Disconnected');
    expect(h.membrane.tenant('T1').connection!.archived).toBe(true);
    expect(textOf((await h.command('status')).reply)).toContain('Not connected');
  });

  it('keeps tenants apart: each workspace reaches only its own EspoCRM', async () => {
    h = await startHarness();
    h.membrane.tenant('T2').espo.seed('Lead', [{ firstName: 'Only', lastName: 'InT2', status: 'New' }]);
    expect(textOf((await h.command('find lead InT2', { team: 'T1' })).reply)).toContain('No leads match');
    expect(textOf((await h.command('find lead InT2', { team: 'T2' })).reply)).toContain('Only InT2');
    const t2Connection = h.membrane.tenant('T2').connection!.id;
    expect(h.membrane.calls.filter((c) => c.tenant === 'T1').every((c) => !c.path.includes(t2Connection))).toBe(true);
  });

  it('with CONNECTION_SCOPE=user, each person is their own Membrane customer', async () => {
    h = await startHarness({ env: { CONNECTION_SCOPE: 'user' } });
    h.membrane.tenant('T1:U2').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/u2' };
    expect(textOf((await h.command('list leads', { user: 'U1' })).reply)).toContain('Showing');
    const other = await h.command('list leads', { user: 'U2' });
    expect(buttonNamed(other.reply, 'Connect EspoCRM').url).toBe('https://connect.example/u2');
    expect(textOf((await h.command('status', { user: 'U1' })).reply)).toContain('your own EspoCRM connection');
    // Their own connection is theirs to end; no admin needed.
    expect(textOf((await h.command('disconnect', { user: 'U1' })).reply)).toContain('Disconnect EspoCRM?');
  });
});

describe('Membrane and EspoCRM failures become words', () => {
  let h: Harness;
  afterEach(() => h.close());

  it.each([
    [{ status: 500, body: { message: 'boom' } }, 'having trouble'],
    [{ status: 429, body: {}, headers: { 'retry-after': '7' } }, 'busy right now (try again in 7s)'],
    [{ status: 403, body: {} }, 'role does not allow'],
    [{ status: 200, delayMs: 1500 }, 'took too long'],
  ])('%j', async (failure, words) => {
    h = await startHarness({ env: { MEMBRANE_TIMEOUT_MS: '1000' } });
    await h.command('connect');
    await h.command('list cases'); // warm: the next call is the proxy request itself
    // Every attempt fails: a read is tried up to three times before the person is told.
    h.membrane.failNext({ pathPrefix: '/connections/', times: 3 }, failure);
    const { reply } = await h.command('list cases');
    expect(textOf(reply)).toContain(words);
    const line = h.logs.find((log) => log.msg === 'request handled' && log.outcome === 'error');
    expect(line).toMatchObject({ kind: 'command', team: 'T1', user: 'U1' });
  });
});
