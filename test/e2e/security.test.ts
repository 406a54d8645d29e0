import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, startHarness, textOf, type Harness } from '../support/harness.js';
import { waitForLogs } from '../support/wait.js';
import { slackSignature } from '../../fakes/slack/signing.js';

describe('requests Slack did not sign are refused', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const form = (responseId: string) => ({
    command: '/espo',
    text: 'delete lead abc',
    team_id: 'T1',
    user_id: 'U1',
    channel_id: 'C1',
    response_url: h.slack.responseUrl(responseId),
  });

  /**
   * A genuine `/espo help` sent after a refused request, answered: the refused one had its chance
   * to run too, so what it did not do can be checked. (Help asks nothing of the CRM.)
   */
  async function signedRequestAnswered(): Promise<void> {
    expect(textOf((await h.command('help')).reply)).toContain('/espo');
  }

  it('rejects a bad signature: nothing runs, nothing is posted', async () => {
    h.membrane.resetCalls();
    const result = await h.post(form('forged'), { signature: 'v0=deadbeef' });
    expect(result.status).toBe(401);
    await signedRequestAnswered();
    expect(h.membrane.calls).toHaveLength(0);
    expect(h.slack.responses.filter((r) => r.id === 'forged')).toHaveLength(0);
  });

  it('rejects a stale timestamp even with a valid signature (replay)', async () => {
    h.membrane.resetCalls();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const body = new URLSearchParams(form('replayed')).toString();
    const result = await h.post(form('replayed'), {
      timestamp: old,
      signature: slackSignature(SIGNING_SECRET, old, body),
    });
    expect(result.status).toBe(401);
    await signedRequestAnswered();
    expect(h.membrane.calls).toHaveLength(0);
    expect(h.slack.responses.filter((r) => r.id === 'replayed')).toHaveLength(0);
  });

  it("answers Slack's URL verification and processes a retried event only once", async () => {
    const challenge = await h.postEvent({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    expect(challenge.status).toBe(200);
    expect(challenge.body).toContain('c-123');

    const event = {
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: 'Ev-retry-1',
      event_time: 1,
      event: { type: 'app_home_opened', user: 'U1', tab: 'home' },
    };
    expect((await h.postEvent(event)).status).toBe(200);
    expect(
      (await h.postEvent(event, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status,
    ).toBe(200);
    const dropped = await waitForLogs(
      h.logs,
      (log) => log.msg === 'duplicate Slack event dropped' && log.eventId === 'Ev-retry-1',
    );
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ retryNum: 1, retryReason: 'http_timeout' });
    const rows = await h.app.store.db
      .selectFrom('processed_events')
      .selectAll()
      .where('event_id', '=', 'Ev-retry-1')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('survives malformed and forged interactivity, answering politely', async () => {
    const garbage = await h.post({ payload: '{not json' });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);

    const page = await h.click({ action_id: 'espo_page:next', value: 'garbage' });
    expect(JSON.stringify(page.replies[0])).toContain('That page link is no longer valid');
    const forged = await h.click({
      action_id: 'espo_page:next',
      value: JSON.stringify({ entity: 'Lead', filters: [], limit: 10_000, offset: -5 }),
    });
    expect(JSON.stringify(forged.replies[0])).toContain('That page link is no longer valid');
    const unknown = await h.click({ action_id: 'espo_confirm', value: 'no-such-request' });
    expect(JSON.stringify(unknown.replies[0])).toContain('I cannot find that request any more');
    const share = await h.click({
      action_id: 'espo_share',
      value: JSON.stringify({ t: 'record', e: '../etc', id: 'x' }),
    });
    expect(JSON.stringify(share.replies[0])).toContain('That share button is no longer valid');
  });

  it('answers a signed body Bolt cannot handle with a 400, or an unreadable event with a 200, never a 500', async () => {
    const sign = async (raw: string, contentType = 'application/json') => {
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(`${h.app.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, raw),
        },
        body: raw,
      });
      return response.status;
    };
    const form = (payload: unknown) =>
      sign(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
    expect(await sign('null')).toBe(400);
    expect(await sign('payload=null', 'application/x-www-form-urlencoded')).toBe(400);
    // Interactivity Bolt would throw on (a 500, retried by Slack): refused at once.
    expect(await form({ type: 'block_actions', actions: null })).toBe(400);
    expect(await form({ type: 'view_submission' })).toBe(400);
    expect(await form({ type: 'shortcut' })).toBe(400);
    expect(
      await form({
        type: 'block_actions',
        user: null,
        team: null,
        actions: [{ action_id: 'espo_cancel', block_id: 'b' }],
      }),
    ).toBe(400);
    expect(await form({ type: 'message_action', callback_id: 'espo_log_message', team: { id: 'T1' } })).toBe(400);
    expect(await sign('command=/espo&text=help', 'application/x-www-form-urlencoded')).toBe(400);
    // Events API deliveries: acknowledged and dropped (sent again they would fail again, and every
    // answer but a 200 counts towards Slack disabling the event subscriptions).
    expect(await sign(JSON.stringify({ type: 'event_callback', event: null }))).toBe(200);
    expect(
      await sign(
        JSON.stringify({
          type: 'event_callback',
          team_id: 'T1',
          event_id: 'Ev-null-user',
          event: { type: 'app_home_opened', user: null, tab: 'home' },
        }),
      ),
    ).toBe(200);
    expect(
      await sign(
        JSON.stringify({ type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820, api_app_id: 'A1' }),
      ),
    ).toBe(200);
    const said = (msg: string) => h.logs.filter((line) => line.msg === msg).length;
    expect(said('a signed request is not a JSON object: answered 400')).toBe(2);
    expect(said('a Slack request is not shaped like anything Slack sends: refused')).toBe(6);
    expect(said('a Slack event is not shaped like anything Slack sends: acknowledged and dropped')).toBe(2);
    expect(said('Slack is rate-limiting the events it sends the app from this workspace')).toBe(1);
    expect(h.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it('answers health and readiness probes', async () => {
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready');
  });
});
