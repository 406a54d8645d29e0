import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEspoBatch } from '../../fakes/espocrm/webhooks.js';
import { buttonNamed, startHarness, textOf, type Harness } from '../support/harness.js';
import { waitForLogs } from '../support/wait.js';

/**
 * Two workspaces on one bot: whatever a person of team A sends (a forged button value, another
 * team's record id, a thread id that exists in team B), nothing of team B is reached.
 */
describe('tenants stay apart', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: true, publicUrl: true });
    await h.command('connect', { team: 'T1' });
    await h.command('connect', { team: 'T2' });
  });
  afterAll(() => h.close());

  const espo = (team: string) => h.membrane.tenant(team).espo;

  it("a person of team A cannot confirm or cancel team B's write, even with the same user id", async () => {
    const before = espo('T2').all('Account').length;
    const { reply, responseId } = await h.command('create account name="B Only Inc"', { team: 'T2', user: 'U1' });
    const confirm = buttonNamed(reply, 'Confirm');
    const forged = await h.click(confirm, { team: 'T1', user: 'U1', responseId });
    expect(textOf(forged.replies[0]!)).toContain('I cannot find that request any more');
    const cancel = await h.click(buttonNamed(reply, 'Cancel'), { team: 'T1', user: 'U1', responseId });
    expect(textOf(cancel.replies[0]!)).toContain('I cannot find that request any more');
    expect(espo('T2').all('Account')).toHaveLength(before);
    // Its own requester still can.
    const done = await h.click(confirm, { team: 'T2', user: 'U1', responseId });
    expect(textOf(done.replies[0]!)).toContain('Created account');
    expect(
      espo('T1')
        .all('Account')
        .some((account) => account.name === 'B Only Inc'),
    ).toBe(false);
  });

  it("team B's record ids mean nothing in team A: commands and buttons read team A's EspoCRM", async () => {
    const [secret] = espo('T2').seed('Lead', [{ firstName: 'Bea', lastName: 'Secret', status: 'New' }]);
    const id = String(secret!.id);
    expect(textOf((await h.command(`show lead ${id}`, { team: 'T1' })).reply)).toContain('could not find');
    const details = await h.click(
      { action_id: `espo_show:${id}`, value: JSON.stringify({ e: 'Lead', id }) },
      { team: 'T1' },
    );
    expect(textOf(details.replies[0]!)).not.toContain('Secret');
    const share = await h.click(
      { action_id: 'espo_share', value: JSON.stringify({ t: 'record', e: 'Lead', id }) },
      { team: 'T1' },
    );
    expect(JSON.stringify(share.replies)).not.toContain('Secret');
    expect(textOf((await h.command(`show lead ${id}`, { team: 'T2' })).reply)).toContain('Secret');
    // Every Membrane call made for team A carried team A's token.
    const t2Connection = h.membrane.tenant('T2').connection!.id;
    expect(
      h.membrane.calls.filter((call) => call.path.includes(t2Connection)).every((call) => call.tenant === 'T2'),
    ).toBe(true);
  });

  it("a thread of team A is not team B's, even with the same channel and thread ids", async () => {
    const shown = await h.say('dm', 'show me all deals', {
      team: 'T1',
      channel: 'DSAME',
      threadTs: '1800000500.000100',
    });
    const listed = textOf(shown.messages[0]!.body as { text?: string });
    const t1Deals = espo('T1')
      .all('Opportunity')
      .map((deal) => String(deal.name))
      .filter((name) => listed.includes(name));
    expect(t1Deals.length).toBeGreaterThanOrEqual(5);
    h.openai!.enqueue({
      toolCalls: [{ name: 'ask_clarifying_question', arguments: { question: 'Which deal do you mean?' } }],
    });
    await h.say('dm', 'move the second one to Closed Won', {
      team: 'T2',
      channel: 'DSAME',
      threadTs: '1800000500.000100',
    });
    const prompt = JSON.stringify(h.openai!.requests.at(-1)!.body.messages);
    for (const name of t1Deals) expect(prompt).not.toContain(name);
  });

  it("team A's webhook address does not take a batch signed with team B's secret", async () => {
    for (const team of ['T1', 'T2']) {
      const { reply, responseId } = await h.command('subscribe lead created', { team, channel: `C-${team}` });
      await h.click(buttonNamed(reply, 'Confirm'), { team, channel: `C-${team}`, responseId });
    }
    const [hookA] = [...espo('T1').webhooks.registered.values()];
    const [hookB] = [...espo('T2').webhooks.registered.values()];
    expect(hookA!.url).not.toBe(hookB!.url);
    const body = JSON.stringify([{ id: 'lead-cross', name: 'Cross Tenant', status: 'New' }]);
    const crossed = await fetch(hookA!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signEspoBatch(hookB!.id, hookB!.secretKey, body) },
      body,
    });
    expect(crossed.status).toBe(401);
    const own = await fetch(hookB!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signEspoBatch(hookB!.id, hookB!.secretKey, body) },
      body,
    });
    expect(own.status).toBe(200);
    await h.slack.waitForCalls((call) => call.method === 'chat.postMessage' && call.body.channel === 'C-T2');
    // The refused batch was never handled; the accepted one made one alert, the post T2 got.
    const [handled] = await waitForLogs(h.logs, (line) => line.msg === 'EspoCRM webhook batch handled');
    expect(handled).toMatchObject({ tenant: 'T2', alerts: 1 });
    expect(
      h.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.body.channel === 'C-T1'),
    ).toHaveLength(0);
  });
});
