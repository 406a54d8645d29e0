import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWorkspaceToken, startFakeMembrane, type FakeMembrane } from '../../../fakes/membrane/server.js';
import { checkMembrane } from '../../../src/crm/membrane/credentials.js';
import { freePort } from '../../support/harness.js';

describe('the Membrane credentials check', () => {
  let membrane: FakeMembrane;
  let staticOnly: FakeMembrane;
  const workspace = { kind: 'workspace' as const, workspaceKey: 'ws-key', workspaceSecret: 'ws-secret' };
  const staticToken = signWorkspaceToken({ id: 'the-customer', iss: 'ws-key' }, 'another-secret');

  beforeAll(async () => {
    membrane = await startFakeMembrane({ workspaceKey: 'ws-key', workspaceSecret: 'ws-secret' });
    staticOnly = await startFakeMembrane({ staticToken });
  });
  afterAll(async () => {
    await membrane.close();
    await staticOnly.close();
  });

  it('reads the tenant itself (GET /self) as the tenant it is given, and creates nothing else', async () => {
    membrane.resetCalls();
    expect(await checkMembrane({ apiUri: membrane.url, credentials: workspace, timeoutMs: 2000 }, 'T1')).toEqual({
      outcome: 'ok',
      value: { customer: 'T1' },
    });
    expect(membrane.calls.map((call) => `${call.method} ${call.path} ${call.tenant}`)).toEqual(['GET /self T1']);
    expect(membrane.tenant('T1').connection).toBeUndefined();
  });

  it('workspace credentials Membrane refuses name both variables', async () => {
    const checked = await checkMembrane(
      { apiUri: membrane.url, credentials: { ...workspace, workspaceSecret: 'wrong' }, timeoutMs: 2000 },
      'T1',
    );
    expect(checked).toMatchObject({
      outcome: 'refused',
      variables: ['MEMBRANE_WORKSPACE_KEY', 'MEMBRANE_WORKSPACE_SECRET'],
      message: `MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET were refused by Membrane at ${membrane.url} (not_authenticated, Not authenticated): copy both from the Membrane console (Settings) of the workspace with the EspoCRM integration`,
    });
  });

  it('a fixed token: accepted, or refused naming MEMBRANE_TOKEN', async () => {
    expect(
      await checkMembrane(
        { apiUri: staticOnly.url, credentials: { kind: 'token', token: staticToken }, timeoutMs: 2000 },
        '',
      ),
    ).toEqual({ outcome: 'ok', value: { customer: 'static' } });
    const other = signWorkspaceToken({ id: 'x', iss: 'ws-key' }, 'nope');
    expect(
      await checkMembrane(
        { apiUri: staticOnly.url, credentials: { kind: 'token', token: other }, timeoutMs: 2000 },
        '',
      ),
    ).toMatchObject({
      outcome: 'refused',
      variables: ['MEMBRANE_TOKEN'],
      message: expect.stringMatching(/^MEMBRANE_TOKEN was refused by Membrane/),
    });
  });

  it('a Membrane that does not answer, answers 5xx or too late is unavailable, not a refusal', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expect(await checkMembrane({ apiUri: nowhere, credentials: workspace, timeoutMs: 2000 }, 'T1')).toEqual({
      outcome: 'unreachable',
      reason: `ECONNREFUSED at ${nowhere}`,
    });
    membrane.failNext({ pathPrefix: '/self' }, { status: 502, body: '<html>Bad gateway</html>' });
    expect(await checkMembrane({ apiUri: membrane.url, credentials: workspace, timeoutMs: 2000 }, 'T1')).toEqual({
      outcome: 'unreachable',
      reason: `HTTP 502 at ${membrane.url}`,
    });
    membrane.failNext({ pathPrefix: '/self' }, { status: 200, delayMs: 500 });
    expect(await checkMembrane({ apiUri: membrane.url, credentials: workspace, timeoutMs: 100 }, 'T1')).toEqual({
      outcome: 'unreachable',
      reason: `no answer in 100 ms at ${membrane.url}`,
    });
  });
});
