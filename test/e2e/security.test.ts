import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, startHarness, type Harness } from '../support/harness.js';
import { slackSignature } from '../support/signing.js';

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

  it('rejects a bad signature: nothing runs, nothing is posted', async () => {
    h.membrane.resetCalls();
    const result = await h.post(form('forged'), { signature: 'v0=deadbeef' });
    expect(result.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.membrane.calls).toHaveLength(0);
    expect(h.slack.responses.filter((r) => r.id === 'forged')).toHaveLength(0);
  });

  it('rejects a stale timestamp even with a valid signature (replay)', async () => {
    h.membrane.resetCalls();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const body = new URLSearchParams(form('replayed')).toString();
    const result = await h.post(form('replayed'), { timestamp: old, signature: slackSignature(SIGNING_SECRET, old, body) });
    expect(result.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.membrane.calls).toHaveLength(0);
    expect(h.slack.responses.filter((r) => r.id === 'replayed')).toHaveLength(0);
  });

  it('answers health and readiness probes', async () => {
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready');
  });
});
