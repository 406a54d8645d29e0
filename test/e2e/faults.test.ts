import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';

/**
 * Faults on every side — Membrane, Slack, the model — and what the person hears: reads are tried
 * again within seconds, writes never blindly, and every request ends in words.
 */
describe('Membrane faults', () => {
  let h: Harness;
  beforeAll(async () => {
    // The harness's MEMBRANE_TIMEOUT_MS is 2 s: the bound on one Membrane call, retries included.
    h = await startHarness();
    // U1 is Jane in EspoCRM (found by email): the tasks created here are hers.
    h.slack.emails.set('U1', 'jane.smith@example.com');
    await h.command('connect');
    await h.command('list cases'); // warm: the next call of a list is the proxy request itself
  });
  afterAll(() => h.close());
  beforeEach(() => h.membrane.resetCalls());

  const proxyCalls = () => h.membrane.calls.filter((call) => call.path.includes('/proxy/Case'));
  const timed = async <T>(work: () => Promise<T>) => {
    const started = Date.now();
    const result = await work();
    return { result, ms: Date.now() - started };
  };

  it.each([
    ['a 503', { status: 503, body: { message: 'unavailable' } }],
    ['a 500 from Membrane itself', { status: 500, body: { type: 'internal', message: 'oops' } }],
    ['a dropped connection', { status: 200, dropConnection: true }],
  ])('a read that meets %s is tried again and answered', async (_name, failure) => {
    h.membrane.failNext({ pathPrefix: '/connections/', times: 1 }, failure);
    const { reply } = await h.command('list cases');
    expect(textOf(reply)).toContain('Showing');
    expect(proxyCalls()).toHaveLength(2);
    expect(
      h.logs.some(
        (line) =>
          line.msg === 'a Membrane read failed in a passing way; trying again' && line.membraneCall === 'proxy:GET',
      ),
    ).toBe(true);
  });

  it("waits out a 429's Retry-After when it fits the deadline", async () => {
    h.membrane.failNext({ pathPrefix: '/connections/' }, { status: 429, body: {}, headers: { 'retry-after': '1' } });
    const { result, ms } = await timed(() => h.command('list cases'));
    expect(textOf(result.reply)).toContain('Showing');
    expect(ms).toBeGreaterThanOrEqual(1000);
    const [first, second] = proxyCalls();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('says "busy" at once when the Retry-After is longer than the person should wait', async () => {
    h.membrane.failNext({ pathPrefix: '/connections/' }, { status: 429, body: {}, headers: { 'retry-after': '30' } });
    const { result, ms } = await timed(() => h.command('list cases'));
    expect(textOf(result.reply)).toContain('busy right now (try again in 30s)');
    expect(ms).toBeLessThan(1000);
    expect(proxyCalls()).toHaveLength(1);
  });

  it('a read that keeps failing ends in words inside the deadline', async () => {
    h.membrane.failNext({ pathPrefix: '/connections/', times: 3 }, { status: 502, body: {} });
    const { result, ms } = await timed(() => h.command('list cases'));
    expect(textOf(result.reply)).toContain('having trouble');
    expect(ms).toBeLessThan(3000);
    expect(proxyCalls()).toHaveLength(3);
  });

  it('a read that hangs is cut at the deadline, retries included', async () => {
    // The first attempt takes the whole deadline, so there is no second.
    h.membrane.failNext({ pathPrefix: '/connections/' }, { status: 200, delayMs: 5000 });
    const { result, ms } = await timed(() => h.command('list cases'));
    expect(textOf(result.reply)).toContain('took too long');
    expect(ms).toBeLessThan(3000);
  });

  it('a write is never tried again: a 503 on create is "unknown", with a button to look for the record', async () => {
    const { reply, responseId } = await h.command('create task name="Call the unsure"');
    h.membrane.resetCalls();
    h.membrane.failNext(
      { method: 'POST', pathPrefix: '/actions/create-task/run' },
      { status: 503, body: { message: 'unavailable' } },
    );
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    const answer = result.replies[0]!;
    expect(textOf(answer)).toContain('cannot tell whether this went through');
    expect(h.membrane.calls.filter((call) => call.path === '/actions/create-task/run')).toHaveLength(1);

    // "Look for it" lists the newest tasks by that name: here it did not happen.
    const look = await h.click(buttonNamed(answer, 'Look for it'));
    expect(textOf(look.replies[0]!)).toMatch(/No tasks match|Showing 0/);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({ action: 'create Task', outcome: 'unknown' });
  });

  it('an update that times out is "unknown", with a button that opens the record it changed', async () => {
    const lead = h.membrane.tenant('T1').espo.all('Lead')[0]!;
    const { reply, responseId } = await h.command(`update lead ${String(lead.id)} status=Assigned`);
    h.membrane.resetCalls();
    h.membrane.failNext({ method: 'POST', pathPrefix: '/actions/update-lead/run' }, { status: 200, delayMs: 3000 });
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    const answer = result.replies[0]!;
    expect(textOf(answer)).toContain('cannot tell whether');
    expect(h.membrane.calls.filter((call) => call.path === '/actions/update-lead/run')).toHaveLength(1);
    const check = buttonNamed(answer, 'Check the record');
    expect(JSON.parse(check.value!)).toEqual({ e: 'Lead', id: lead.id });
    const card = await h.click(check);
    expect(textOf(card.replies[0]!)).toContain(String(lead.name ?? lead.lastName));
  });

  it('a 429 on a write says nothing was written, and nothing was', async () => {
    const before = h.membrane.tenant('T1').espo.all('Account').length;
    const { reply, responseId } = await h.command('create account name="Busy Corp"');
    h.membrane.failNext(
      { method: 'POST', pathPrefix: '/actions/create-account/run' },
      { status: 429, body: {}, headers: { 'retry-after': '1' } },
    );
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(result.replies[0]!)).toContain('busy');
    expect(buttonsOf(result.replies[0]!).map((b) => b.text)).not.toContain('Confirm');
    expect(h.membrane.tenant('T1').espo.all('Account')).toHaveLength(before);
  });
});

describe('Slack faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: true });
    await h.command('connect');
  });
  afterAll(() => h.close());

  it.each([
    ['a 500', { status: 500 }],
    ['a 429', { status: 429, headers: { 'retry-after': '1' } }],
    ['a dropped connection', { drop: true }],
  ])('a reply the response_url refuses with %s is sent again', async (_name, failure) => {
    h.slack.failNext('/response/', failure);
    const failedBefore = h.slack.failed.length;
    const { reply } = await h.command('list leads');
    expect(textOf(reply)).toContain('Showing');
    expect(h.slack.failed.length).toBe(failedBefore + 1);
  });

  it('a thread reply that chat.postMessage refuses with a 503 is posted on the next try', async () => {
    h.slack.failNext('/api/chat.postMessage', { status: 503, body: 'unavailable' });
    const { messages } = await h.say('dm', 'list leads status=New');
    expect(textOf(messages[0]!.body as { text?: string; blocks?: unknown[] })).toContain('Leads');
  });

  it('a reply Slack never takes is logged, and the bot goes on', async () => {
    // As many failures as the bot makes attempts (three), so the next reply gets through.
    h.slack.failNext('/response/', { status: 500, times: 3 });
    const failedBefore = h.slack.failed.length;
    await h.post({
      command: '/espo',
      text: 'help',
      team_id: 'T1',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: h.slack.responseUrl('lost'),
      trigger_id: 't',
    });
    await expect
      .poll(() => h.logs.some((line) => line.msg === 'could not deliver the reply to Slack'), { timeout: 15_000 })
      .toBe(true);
    expect(h.slack.failed.length - failedBefore).toBe(3);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    expect(textOf((await h.command('help')).reply)).toContain('/espo');
  });

  it('the model failing (500, then 429) still ends in words', async () => {
    h.openai!.enqueue({ status: 500 }, { status: 500 });
    const first = await h.say('dm', 'which deals did we win last quarter, and why?');
    expect(textOf(first.messages[0]!.body as { text?: string })).toContain('busy');
    h.openai!.enqueue({ status: 429, headers: { 'retry-after': '20' } });
    const second = await h.say('dm', 'which deals did we lose last quarter, and why?');
    expect(textOf(second.messages[0]!.body as { text?: string })).toContain('busy');
  });
});
