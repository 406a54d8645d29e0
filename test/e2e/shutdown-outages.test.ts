import { afterAll, beforeAll, describe, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { spawnApp } from '../support/app-process.js';
import { freshPostgresSchema } from '../support/databases.js';
import { appEnv, slackClientFor, WORKSPACE_KEY, WORKSPACE_SECRET } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * SIGTERM while Slack, Membrane or PostgreSQL is out, each both ways an outage looks: refusing
 * connections (down) and accepting them but never answering (hung, or a network partition). Work
 * that needs the service is in hand at the signal; the process still exits 0 within what
 * docs/operations.md promises: SHUTDOWN_GRACE_SECONDS for that work, then at most 1 s to close the
 * database (one that does not answer is given up). The bot reaches each service through a TCP
 * proxy the test cuts.
 */
const GRACE_SECONDS = 2;
const PROMISED_MS = (GRACE_SECONDS + 1) * 1000;
/** Signal delivery, process exit and a busy 2-core machine's scheduling, on top of the promise. */
const MARGIN_MS = 1000;

type Service = 'Slack' | 'Membrane' | 'PostgreSQL';
type Outage = 'refuses connections' | 'accepts connections and never answers';

describe('SIGTERM during an outage', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
  });

  afterAll(async () => {
    await membrane?.close();
    await slack?.close();
  });

  const viaProxy = (url: string, proxy: TcpProxy) => {
    const proxied = new URL(url);
    proxied.port = String(proxy.port);
    return proxied.toString();
  };

  const cases: [Service, Outage][] = (['Slack', 'Membrane', 'PostgreSQL'] as const).flatMap((service) =>
    (['refuses connections', 'accepts connections and never answers'] as const).map((outage): [Service, Outage] => [
      service,
      outage,
    ]),
  );

  // The cases run side by side (most of each is waiting out a grace period), but their processes
  // start one at a time: starting is CPU-bound, and the machine has 2 cores.
  let starting: Promise<unknown> = Promise.resolve();
  const startInTurn = (env: Record<string, string>) => {
    const started = starting.then(() => spawnApp(env));
    starting = started.catch(() => undefined);
    return started;
  };

  it.concurrent.for(cases)(
    '%s %s: the process still exits 0 within the grace period',
    { timeout: 90_000 },
    async ([service, outage], { expect, onTestFinished }) => {
      const database = await freshPostgresSchema();
      const proxies: Record<Service, TcpProxy> = {
        Slack: await startTcpProxy({ port: Number(new URL(slack.apiUrl).port) }),
        Membrane: await startTcpProxy({ port: Number(new URL(membrane.url).port) }),
        PostgreSQL: await startTcpProxy({ port: Number(new URL(database.url).port) }),
      };
      onTestFinished(async () => {
        for (const proxy of Object.values(proxies)) await proxy.close();
        await database.drop();
      });
      const env = appEnv(
        { slack, membrane, databaseUrl: viaProxy(database.url, proxies.PostgreSQL), port: 0 },
        {
          SLACK_API_URL: viaProxy(slack.apiUrl, proxies.Slack),
          MEMBRANE_API_URI: viaProxy(membrane.url, proxies.Membrane).replace(/\/$/, ''),
          // Longer than the grace period: a Membrane call that gets no answer outlasts it.
          MEMBRANE_TIMEOUT_MS: '10000',
          SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
        },
      );
      const app = await startInTurn(env);
      onTestFinished(async () => void (await app.stop('SIGKILL')));
      const client = slackClientFor(() => `${app.url}/slack/events`, slack);
      // A workspace of its own per case; warm: connected, the pool's connections open, the catalog cached.
      const team = `T${cases.findIndex(([s, o]) => s === service && o === outage)}`;
      await client.command('connect', { team });
      await client.command('list leads', { team });

      const proxy = proxies[service];
      if (outage === 'refuses connections') await proxy.refuse();
      else proxy.blackhole();
      // Work that needs the service: a command answered at its response_url (through the proxy when
      // Slack is the one out), and for Slack a DM answered through the Web API (chat.postMessage).
      const responseUrl =
        service === 'Slack'
          ? viaProxy(slack.responseUrl(`outage-${team}`), proxies.Slack)
          : slack.responseUrl(`outage-${team}`);
      const sent = [
        client.post({
          command: '/espo',
          text: 'list leads status=New',
          team_id: team,
          user_id: 'U1',
          channel_id: 'C1',
          response_url: responseUrl,
          trigger_id: `t-${team}`,
        }),
        ...(service === 'Slack'
          ? [
              client.sendEvent(
                {
                  type: 'message',
                  channel_type: 'im',
                  user: 'U1',
                  team,
                  channel: 'D1',
                  ts: '1800000001.000100',
                  text: 'list tasks',
                },
                { team },
              ),
            ]
          : []),
      ];
      // Requests the bot has not answered yet end with the process (their sockets close).
      for (const request of sent) request.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const signalled = performance.now();
      const exit = await app.stop('SIGTERM');
      const tookMs = performance.now() - signalled;
      console.log(`${service} ${outage}: SIGTERM to exit ${tookMs.toFixed(0)} ms`);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(PROMISED_MS + MARGIN_MS);
      const stopped = app.logs.find((line) => line.msg === 'stopped');
      expect(stopped).toBeDefined();
      if (outage === 'accepts connections and never answers') {
        // The work was still waiting on the service when the grace period ended, and was given up.
        expect(stopped).toMatchObject({ drained: false });
        if (service === 'PostgreSQL')
          expect(
            app.logs.some((line) => String(line.msg).startsWith('the database did not answer while closing')),
          ).toBe(true);
      }
    },
  );
});
