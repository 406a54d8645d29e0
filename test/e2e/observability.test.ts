import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEspoBatch } from '../../fakes/espocrm/webhooks.js';
import {
  buttonNamed,
  CLIENT_SECRET,
  OPENAI_KEY,
  SIGNING_SECRET,
  startHarness,
  textOf,
  WORKSPACE_SECRET,
  type Harness,
} from '../support/harness.js';

/** What an operator sees: one request id across Slack, Membrane and the model; metrics; no secrets anywhere. */
describe('observability', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: true, publicUrl: true });
    await h.command('connect');
  });
  afterAll(() => h.close());

  it('one request id follows a message through its log lines, its Membrane calls and its model call', async () => {
    h.membrane.resetCalls();
    h.openai!.enqueue({
      toolCalls: [{ name: 'espocrm_rest', arguments: { method: 'GET', path: '/Opportunity?maxSize=5' } }],
    });
    await h.say('dm', 'which deals should I look at today?');
    // Logged before the reply is sent, so it is there once the reply is.
    const handled = h.logs.find((line) => line.msg === 'request handled' && line.kind === 'dm')!;
    const requestId = handled.requestId as string;
    expect(requestId).toMatch(/^[0-9a-f]{16}$/);
    const membraneCalls = h.membrane.calls.filter((call) => call.tenant === 'T1');
    expect(membraneCalls.length).toBeGreaterThanOrEqual(2);
    expect(membraneCalls.every((call) => call.requestId === requestId)).toBe(true);
    expect(h.openai!.requests.at(-1)!.headers['x-request-id']).toBe(requestId);

    // A different request has a different id.
    await h.command('list leads');
    const other = h.logs.filter((line) => line.msg === 'request handled' && line.kind === 'command').at(-1)!;
    expect(other.requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(other.requestId).not.toBe(requestId);
  });

  it('serves Prometheus metrics: requests, Membrane and model calls, tokens, webhook batches, the process', async () => {
    await h.command('list leads status=New');
    await fetch(`${h.app.url}/espocrm/webhooks/not-a-token`, { method: 'POST', body: '[]' });
    const response = await fetch(`${h.app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(
      value(/^espo_slack_requests_total\{kind="command",outcome="records",code=""\} (\d+)/m),
    ).toBeGreaterThanOrEqual(2);
    expect(value(/^espo_slack_request_duration_seconds_count\{kind="command"\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(
      value(/^espo_slack_membrane_calls_total\{operation="action.run",outcome="ok"\} (\d+)/m),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/^espo_slack_model_calls_total\{outcome="ok"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^espo_slack_model_tokens_total\{type="prompt"\} (\d+)/m)).toBeGreaterThan(100);
    expect(value(/^espo_slack_webhook_batches_total\{outcome="gone"\} (\d+)/m)).toBe(1);
    expect(value(/^espo_slack_work_queue\{state="queued"\} (\d+)/m)).toBe(0);
    expect(value(/^espo_slack_process_resident_memory_bytes (\d+)/m)).toBeGreaterThan(10_000_000);
  });

  it('puts no secret in a log line or a Slack message, errors included', async () => {
    // Paths that log errors with SDK objects attached: Membrane refusing, EspoCRM failing, the model failing.
    h.membrane.failNext({ pathPrefix: '/connections/', times: 3 }, { status: 500, body: { message: 'boom' } });
    await h.command('list cases');
    h.membrane.failNext(
      { pathPrefix: '/actions' },
      { status: 401, body: { type: 'bad_request', key: 'not_authenticated', message: 'Not authenticated' } },
    );
    await h.command('actions create a lead');
    h.openai!.enqueue({ status: 401 });
    await h.say('dm', 'who are my best customers?');
    // A subscription registers a webhook whose secret signs EspoCRM's batches.
    const { reply, responseId } = await h.command('subscribe lead created');
    await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    const webhook = [...h.membrane.tenant('T1').espo.webhooks.registered.values()][0]!;
    const body = JSON.stringify([{ id: 'x1', name: 'Signed' }]);
    await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signEspoBatch(webhook.id, 'wrong-secret', body) },
      body,
    });

    const secrets = [SIGNING_SECRET, WORKSPACE_SECRET, OPENAI_KEY, CLIENT_SECRET, 'xoxb-test-token', webhook.secretKey];
    const everything = [
      ...h.logs.map((line) => JSON.stringify(line)),
      ...h.slack.calls.map(({ body: { token: _authenticatesTheCall, ...message } }) => JSON.stringify(message)),
      ...h.slack.responses.map((post) => JSON.stringify(post.body)),
    ];
    expect(everything.length).toBeGreaterThan(20);
    for (const text of everything) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      // Membrane's bearer tokens are JWTs minted from the workspace secret.
      expect(text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
      expect(text).not.toMatch(/Bearer\s+\S{8,}/i);
    }
    expect(h.logs.some((line) => line.msg === 'request handled' && line.outcome === 'error')).toBe(true);
    expect(textOf((await h.command('status')).reply)).toContain('Connected');
  });
});
