import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../fakes/membrane/server.js';
import { spawnApp, type AppProcess } from '../support/app-process.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { appEnv, slackClientFor, textOf, WORKSPACE_KEY, WORKSPACE_SECRET, type SlackClient } from '../support/harness.js';

/** SIGTERM, as a deploy or a scale-down sends it: no new work, the work in hand finished, then exit. */
describe('graceful shutdown', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let dir: string;
  let app: AppProcess;
  let client: SlackClient;

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-shutdown-'));
    // One request worked on at a time, so a second one waits in the queue when the signal comes.
    app = await spawnApp(appEnv({ slack, membrane, databaseUrl: `sqlite:${join(dir, 'bot.db')}`, port: 0 }, { MAX_CONCURRENT_WORK: '1', MEMBRANE_TIMEOUT_MS: '5000' }));
    client = slackClientFor(() => `${app.url}/slack/events`, slack);
    await client.command('connect');
    await client.command('list leads');
  });

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await membrane?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the requests it acknowledged, takes no new ones, and exits cleanly', async () => {
    membrane.latencyMs = 1200;
    const command = (id: string, text: string) =>
      client.post({ command: '/espo', text, team_id: 'T1', user_id: 'U1', channel_id: 'C1', response_url: slack.responseUrl(id), trigger_id: `t-${id}` });
    // Both acknowledged before the signal; their replies are still to come (Membrane is slow).
    const acks = await Promise.all([command('in-flight-1', 'list leads status=New'), command('in-flight-2', 'list deals')]);
    expect(acks.map((ack) => ack.status)).toEqual([200, 200]);
    const signalled = Date.now();
    const exited = app.stop('SIGTERM');
    // New requests are refused at once, while the acknowledged ones are still being worked on.
    const health = () => fetch(`${app.url}/healthz`).then(() => 'served', () => 'refused');
    await expect.poll(health, { interval: 20 }).toBe('refused');
    const refusedAt = performance.timeOrigin + performance.now();

    const [first] = await slack.waitForResponses('in-flight-1', 1, 10_000);
    const [second] = await slack.waitForResponses('in-flight-2', 1, 10_000);
    expect(textOf(first!.body)).toContain('Leads');
    expect(textOf(second!.body)).toContain('Opportunities');
    expect(first!.at).toBeGreaterThan(refusedAt);

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1200);
    expect(app.logs.find((line) => line.msg === 'shutting down: finishing the work in hand')).toMatchObject({ signal: 'SIGTERM' });
    expect(app.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    expect(app.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
