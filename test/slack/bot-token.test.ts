import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { BotToken } from '../../src/slack/bot-token.js';

describe('SLACK_BOT_TOKEN, watched', () => {
  let slack: FakeSlack;
  let token: BotToken | undefined;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        callback();
      },
    }),
  );
  const identity = { teamId: 'T1', team: 'Test', botUserId: 'UBOT', botId: 'BBOT', botName: 'espo' };
  const authTests = () => slack.calls.filter((call) => call.method === 'auth.test').length;
  const watched = (options: Partial<ConstructorParameters<typeof BotToken>[0]> = {}) =>
    (token = new BotToken({
      token: 'xoxb-watched',
      slackApiUrl: slack.apiUrl,
      logger,
      recheckAfterMs: 50,
      ...options,
    }));
  /** A Web API client of the app's: it sends the token through the watching transport. */
  const clientOf = (watch: BotToken, sent = 'xoxb-watched') =>
    new webApi.WebClient(sent, { slackApiUrl: slack.apiUrl, fetch: watch.fetch, retryConfig: { retries: 0 } });

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterEach(() => {
    token?.stop();
    slack.refusedTokens.clear();
    slack.calls.length = 0;
    logs.length = 0;
  });
  afterAll(() => slack.close());

  it('authorizes with the ids the start-up check found, asking Slack nothing', async () => {
    const watch = watched({ startedWith: { identity } });
    watch.start();
    expect(await watch.authorize({ teamId: 'T2', enterpriseId: undefined, isEnterpriseInstall: false })).toEqual({
      isEnterpriseInstall: false,
      botToken: 'xoxb-watched',
      botId: 'BBOT',
      botUserId: 'UBOT',
    });
    expect(authTests()).toBe(0);
    expect(watch.readinessProblem()).toBeUndefined();
  });

  it('without a start-up check, asks auth.test once for all who wait', async () => {
    const watch = watched();
    const results = await Promise.all(
      [1, 2, 3].map(() => watch.authorize({ teamId: 'T1', enterpriseId: undefined, isEnterpriseInstall: false })),
    );
    expect(results.map((result) => result.botUserId)).toEqual(['UBOT', 'UBOT', 'UBOT']);
    expect(authTests()).toBe(1);
  });

  const source = { teamId: 'T1', enterpriseId: undefined, isEnterpriseInstall: false };
  const command = { command: '/espo', text: 'help', team_id: 'T1', user_id: 'U1' } as never;
  const event = {
    type: 'event_callback',
    team_id: 'T1',
    event: { type: 'app_mention', user: 'U1', channel: 'C1', text: 'hi' },
  } as never;

  it('while Slack is unavailable it is not ready; a command is authorized without the ids, an event is not; a re-check ends that', async () => {
    slack.failNext('/api/auth.test', { status: 503, times: 2 });
    const watch = watched({ startedWith: { unreachable: `HTTP 503 at ${slack.apiUrl}` } });
    expect(watch.readinessProblem()).toBe(
      `Slack unavailable (HTTP 503 at ${slack.apiUrl}): SLACK_BOT_TOKEN not checked yet; checking again`,
    );
    // Someone waits for a command's reply, which goes to its response_url: no ids needed.
    expect(await watch.authorize(source, command)).toEqual({ isEnterpriseInstall: false, botToken: 'xoxb-watched' });
    // An event needs the ids (the bot's own messages) and the Web API: dropped.
    await expect(watch.authorize(source, event)).rejects.toThrow(/does not know its own Slack identity yet/);
    watch.start();
    await expect.poll(() => watch.state, { timeout: 3000 }).toEqual({ state: 'ok' });
    expect(watch.readinessProblem()).toBeUndefined();
    expect(logs.map((line) => line.msg)).toContain('Slack answers: SLACK_BOT_TOKEN is @espo in Test; ready');
    expect(await watch.authorize(source, event)).toMatchObject({ botUserId: 'UBOT', botId: 'BBOT' });
  });

  it('a request asks auth.test again, at most once a second, and keeps only an answer', async () => {
    slack.failNext('/api/auth.test', { drop: true, times: 1 });
    const failedBefore = slack.failed.length;
    const watch = watched({ startedWith: { unreachable: 'ECONNRESET' } });
    // A burst during the outage: one auth.test for all of it.
    for (let i = 0; i < 5; i++) await watch.authorize(source, command);
    expect(authTests()).toBe(0);
    expect(slack.failed.slice(failedBefore)).toEqual([{ path: '/api/auth.test', status: undefined }]);
    expect(watch.state.state).toBe('unreachable');
    // Slack is back: the next request a second later asks again, and the answer is kept.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await watch.authorize(source, event)).toMatchObject({ botUserId: 'UBOT' });
    await watch.authorize(source, event);
    expect(authTests()).toBe(1);
    expect(watch.readinessProblem()).toBeUndefined();
  });

  it('a request waits a second at most for an auth.test that does not answer', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as AddressInfo;
    try {
      const watch = watched({ slackApiUrl: `http://127.0.0.1:${port}/api/`, checkTimeoutMs: 10_000 });
      const started = performance.now();
      expect(await watch.authorize(source, command)).toEqual({ isEnterpriseInstall: false, botToken: 'xoxb-watched' });
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(2000);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('a Web API answer refusing the token makes it not ready, logged once at error level', async () => {
    const watch = watched({ startedWith: { identity } });
    const client = clientOf(watch);
    slack.refusedTokens.set('xoxb-watched', 'token_revoked');
    for (let i = 0; i < 2; i++)
      await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toThrow(/token_revoked/);
    expect(watch.readinessProblem()).toBe('Slack refused SLACK_BOT_TOKEN (token_revoked)');
    expect(logs).toEqual([
      expect.objectContaining({
        level: 50,
        variable: 'SLACK_BOT_TOKEN',
        slack: { teamId: 'T1', error: 'token_revoked' },
        msg: expect.stringMatching(/^SLACK_BOT_TOKEN was refused by Slack \(token_revoked\)/),
      }),
    ]);
  });

  it('ignores other errors, other tokens and good answers', async () => {
    const watch = watched({ startedWith: { identity } });
    slack.goneChannels.add('CGONE');
    await expect(clientOf(watch).chat.postMessage({ channel: 'CGONE', text: 'hi' })).rejects.toThrow(
      /channel_not_found/,
    );
    slack.refusedTokens.set('xoxb-someone-else', 'invalid_auth');
    await expect(clientOf(watch, 'xoxb-someone-else').auth.test()).rejects.toThrow(/invalid_auth/);
    await clientOf(watch).chat.postMessage({ channel: 'C1', text: 'fine' });
    expect(watch.readinessProblem()).toBeUndefined();
  });

  it("Slack's own word counts for its workspace and its bot only", () => {
    const watch = watched({ startedWith: { identity } });
    watch.revokedBySlack('T2', 'app_uninstalled');
    watch.revokedBySlack('T1', 'tokens_revoked', ['UOTHER']);
    expect(watch.readinessProblem()).toBeUndefined();
    watch.revokedBySlack('T1', 'app_uninstalled');
    expect(watch.readinessProblem()).toBe('Slack refused SLACK_BOT_TOKEN (app_uninstalled)');
  });
});
