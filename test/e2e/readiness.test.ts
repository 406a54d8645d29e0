import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startHarness, type Harness } from '../support/harness.js';

/** What /readyz says about Slack while the app runs: the bot's own token, as Slack answers for it. */
describe('readiness follows the bot token', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const readyz = async (harness: Harness) => {
    const response = await fetch(`${harness.app.url}/readyz`);
    return { status: response.status, text: await response.text() };
  };

  it('a Web API answer that refuses the token makes the app not ready, said once', async () => {
    h = await startHarness();
    await h.say('mention', 'help');
    expect(await readyz(h)).toEqual({ status: 200, text: 'ready' });
    h.slack.refusedTokens.set('xoxb-test-token', 'account_inactive');
    await h.say('mention', 'help');
    await h.say('dm', 'help');
    expect(await readyz(h)).toEqual({ status: 503, text: 'Slack refused SLACK_BOT_TOKEN (account_inactive)' });
    expect(h.logs.filter((line) => line.variable === 'SLACK_BOT_TOKEN')).toEqual([
      expect.objectContaining({
        level: 50,
        msg: expect.stringMatching(
          /^SLACK_BOT_TOKEN was refused by Slack \(account_inactive\).*\/readyz says not ready until the bot restarts with a working token$/,
        ),
      }),
    ]);
  });

  it('an event that comes before Slack has confirmed the token is acknowledged and dropped, not crashed on', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/api/`;
    const harness = await startHarness({ env: { SLACK_API_URL: nowhere } });
    h = harness;
    const response = await harness.postEvent({
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: 'Ev-early',
      event_time: 1,
      event: {
        type: 'app_mention',
        user: 'U1',
        team: 'T1',
        channel: 'C1',
        ts: '1800000000.000100',
        text: '<@UBOT> help',
      },
    });
    expect(response.status).toBe(200);
    await expect
      .poll(() =>
        harness.logs.some(
          (line) => line.msg === "an event arrived before Slack could confirm the bot's token: dropped",
        ),
      )
      .toBe(true);
    expect(await readyz(harness)).toEqual({
      status: 503,
      text: `Slack unavailable (ECONNREFUSED at ${nowhere}): SLACK_BOT_TOKEN not checked yet; checking again`,
    });
  });
});
