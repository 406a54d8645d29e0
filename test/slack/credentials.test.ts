import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { checkAppToken, checkBotToken, socketModeStartFailure } from '../../src/slack/credentials.js';
import { SettingError } from '../../src/config/setting-error.js';
import { freePort } from '../support/harness.js';

describe('Slack credential checks', () => {
  let slack: FakeSlack;
  const transport = () => ({ slackApiUrl: slack.apiUrl });

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  beforeEach(() => slack.refusedTokens.clear());
  afterAll(() => slack.close());

  it('auth.test tells whose the bot token is', async () => {
    slack.bots.set('xoxb-acme', { team: 'TACME', userId: 'UACME', botId: 'BACME' });
    expect(await checkBotToken(transport(), 'xoxb-acme', 2000)).toEqual({
      outcome: 'ok',
      value: { teamId: 'TACME', team: 'TACME', botUserId: 'UACME', botId: 'BACME', botName: 'espo' },
    });
  });

  it('a token Slack refuses is refused, naming SLACK_BOT_TOKEN and where to find the right one', async () => {
    for (const error of ['invalid_auth', 'token_revoked', 'account_inactive']) {
      slack.refusedTokens.set('xoxb-dead', error);
      expect(await checkBotToken(transport(), 'xoxb-dead', 2000)).toMatchObject({
        outcome: 'refused',
        variables: ['SLACK_BOT_TOKEN'],
        slackError: error,
        message: expect.stringMatching(
          new RegExp(
            `^SLACK_BOT_TOKEN was refused by Slack \\(${error}\\): copy the Bot User OAuth Token \\(xoxb-\\.\\.\\.\\) from your Slack app's "OAuth & Permissions" page`,
          ),
        ),
      });
    }
  });

  it('a user token is not the bot token', async () => {
    slack.bots.set('xoxp-person', { team: 'T1', userId: 'U1', botId: '' });
    expect(await checkBotToken(transport(), 'xoxp-person', 2000)).toMatchObject({
      outcome: 'refused',
      message: expect.stringMatching(/^SLACK_BOT_TOKEN is not a bot token \(Slack knows it as @espo/),
    });
  });

  it('a Slack that does not answer, or answers with a passing error, is unavailable, not a refusal', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/api/`;
    expect(await checkBotToken({ slackApiUrl: nowhere }, 'xoxb-1', 2000)).toEqual({
      outcome: 'unreachable',
      reason: `ECONNREFUSED at ${nowhere}`,
    });
    slack.failNext('/api/auth.test', { status: 503 });
    expect(await checkBotToken(transport(), 'xoxb-1', 2000)).toEqual({
      outcome: 'unreachable',
      reason: `HTTP 503 at ${slack.apiUrl}`,
    });
    slack.failNext('/api/auth.test', { status: 200, body: { ok: false, error: 'internal_error' } });
    expect(await checkBotToken(transport(), 'xoxb-1', 2000)).toEqual({
      outcome: 'unreachable',
      reason: `answered internal_error at ${slack.apiUrl}`,
    });
    slack.failNext('/api/auth.test', { drop: true });
    expect(await checkBotToken(transport(), 'xoxb-1', 2000)).toMatchObject({
      outcome: 'unreachable',
      reason: expect.stringContaining(`at ${slack.apiUrl}`),
    });
  });

  it('apps.connections.open takes an app-level token, and refuses a bot token given in its place', async () => {
    expect(await checkAppToken(transport(), 'xapp-1-ok', 2000)).toEqual({ outcome: 'ok', value: true });
    const call = slack.calls.filter((c) => c.method === 'apps.connections.open').at(-1);
    // In the Authorization header, as Socket Mode sends it; never in the body.
    expect(call?.token).toBe('xapp-1-ok');
    expect(call?.body).not.toHaveProperty('token');
    expect(await checkAppToken(transport(), 'xoxb-not-an-app-token', 2000)).toMatchObject({
      outcome: 'refused',
      variables: ['SLACK_APP_TOKEN'],
      message: expect.stringMatching(
        /^SLACK_APP_TOKEN was refused by Slack \(not_allowed_token_type\): create an App-Level Token with the connections:write scope/,
      ),
    });
  });

  it("Socket Mode's own start failing on the app token says so; other failures pass through", () => {
    const refused = socketModeStartFailure(
      { code: 'slack_webapi_platform_error', data: { ok: false, error: 'invalid_auth' } },
      transport(),
    );
    expect(refused).toBeInstanceOf(SettingError);
    expect(refused).toMatchObject({ code: 'credential_refused', variables: ['SLACK_APP_TOKEN'] });
    const other = new Error('boom');
    expect(socketModeStartFailure(other, transport())).toBe(other);
  });
});
