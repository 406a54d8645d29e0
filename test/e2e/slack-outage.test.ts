import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { spawnApp, type AppProcess } from '../support/app-process.js';
import { appEnv, slackClientFor, textOf, WORKSPACE_KEY, WORKSPACE_SECRET } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * Slack down while an instance starts (issue 12, item 12). Bolt's own token handling calls
 * auth.test once, from App's constructor, and keeps a failure for good: such an instance
 * acknowledged every command and answered none, while /readyz said ready. Here the app starts as
 * production starts it while its Web API (SLACK_API_URL) answers auth.test with a 503, drops the
 * connection, refuses connections, or accepts them and never answers. Commands are posted as
 * Slack posts them; replies go to their response_url, which is not behind the outage (Slack's
 * hooks.slack.com is not its Web API).
 */
type Outage = 'answers 503' | 'drops the connection' | 'refuses connections' | 'accepts connections and never answers';

describe('Slack down while the bot starts', () => {
  let membrane: FakeMembrane;
  let dir: string;

  beforeAll(async () => {
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-outage-'));
  });
  afterAll(async () => {
    await membrane?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const readyz = async (app: AppProcess) => {
    const response = await fetch(`${app.url}/readyz`);
    return { status: response.status, text: await response.text() };
  };

  /**
   * Starts the app behind `outage`; returns it, its Slack, and how to end the outage (for those a
   * proxy makes; an injected failure lasts the whole test).
   */
  async function startedDuring(
    outage: Outage,
    n: number,
  ): Promise<{ app: AppProcess; slack: FakeSlack; proxy: TcpProxy; end?: () => Promise<void> }> {
    const slack = await startFakeSlack();
    const proxy = await startTcpProxy({ port: Number(new URL(slack.apiUrl).port) });
    const apiUrl = new URL(slack.apiUrl);
    apiUrl.port = String(proxy.port);
    let end: (() => Promise<void>) | undefined;
    if (outage === 'answers 503') slack.failNext('/api/auth.test', { status: 503, times: 10_000 });
    if (outage === 'drops the connection') slack.failNext('/api/auth.test', { drop: true, times: 10_000 });
    if (outage === 'refuses connections') {
      await proxy.refuse();
      end = () => proxy.restore();
    }
    if (outage === 'accepts connections and never answers') {
      proxy.blackhole();
      end = () => proxy.restore();
    }
    const app = await spawnApp(
      appEnv(
        { slack, membrane, databaseUrl: `sqlite:${join(dir, `bot-${n}.db`)}`, port: 0 },
        { SLACK_API_URL: apiUrl.toString() },
      ),
    );
    return { app, slack, proxy, end };
  }

  const outages: Outage[] = [
    'answers 503',
    'drops the connection',
    'refuses connections',
    'accepts connections and never answers',
  ];

  it.for(outages.map((outage, n) => [outage, n] as const))(
    'Slack %s: not ready, commands still answered, and ready once Slack answers',
    { timeout: 60_000 },
    async ([outage, n]) => {
      const { app, slack, proxy, end } = await startedDuring(outage, n);
      try {
        const client = slackClientFor(() => `${app.url}/slack/events`, slack);
        // Not ready, saying why; alive.
        const during = await readyz(app);
        expect(during.status).toBe(503);
        expect(during.text).toMatch(/^Slack unavailable \(.+\): SLACK_BOT_TOKEN not checked yet; checking again$/);
        expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

        // A command during the outage: acknowledged inside Slack's 3 s, and answered.
        const sent = performance.now();
        const ack = await client.post(
          {
            command: '/espo',
            text: 'help',
            team_id: 'T1',
            user_id: 'U1',
            channel_id: 'C1',
            response_url: slack.responseUrl(`during-${n}`),
            trigger_id: 't-during',
          },
          { timeoutMs: 3000 },
        );
        const ackMs = performance.now() - sent;
        console.log(`Slack ${outage}: a command acknowledged in ${ackMs.toFixed(0)} ms`);
        expect(ack.status).toBe(200);
        if (outage !== 'accepts connections and never answers') {
          // (A hung Web API holds the reply as long as users.info hangs: that is any outage's, not the start's.)
          const [reply] = await slack.waitForResponses(`during-${n}`, 1, 10_000);
          expect(textOf(reply!.body)).toContain('/espo');
        }
        // An event during the outage: acknowledged, and dropped with a reason.
        expect(
          (
            await client.sendEvent({
              type: 'app_mention',
              user: 'U1',
              team: 'T1',
              channel: 'C1',
              ts: '1800000000.000100',
              text: '<@UBOT> help',
            })
          ).status,
        ).toBe(200);
        await expect
          .poll(() =>
            app.logs.some(
              (line) => line.msg === "an event arrived before Slack could confirm the bot's token: dropped",
            ),
          )
          .toBe(true);

        if (!end) return;
        await end();
        // Slack answers again: ready, with no restart, and events answered too.
        await expect
          .poll(() => readyz(app), { timeout: 20_000, interval: 250 })
          .toEqual({ status: 200, text: 'ready' });
        const { messages } = await client.say('mention', 'help');
        expect(messages[0]!.body.channel).toBe('C1');
        const after = await client.command('help');
        expect(textOf(after.reply)).toContain('/espo');
        expect(app.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
      } finally {
        await app.stop('SIGKILL');
        await proxy.close();
        await slack.close();
      }
    },
  );
});
