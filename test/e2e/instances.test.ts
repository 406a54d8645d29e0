import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEspoBatch } from '../../fakes/espocrm/webhooks.js';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { spawnApp, type AppProcess } from '../support/app-process.js';
import { freshPostgresSchema } from '../support/databases.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../fakes/slack/server.js';
import {
  appEnv,
  buttonNamed,
  freePort,
  slackClientFor,
  textOf,
  WORKSPACE_KEY,
  WORKSPACE_SECRET,
  type SlackClient,
} from '../support/harness.js';
import { waitForLogs } from '../support/wait.js';

/**
 * Two app processes on one PostgreSQL database, as two replicas behind a load balancer: whichever
 * instance a request reaches, nothing is done twice and nothing is lost.
 */
describe('two instances on one PostgreSQL', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let database: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let first: AppProcess;
  let second: AppProcess;
  let a: SlackClient;
  let b: SlackClient;

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    database = await freshPostgresSchema();
    // The load balancer's address is the public one; here it is the first instance's.
    const [portA, portB] = [await freePort(), await freePort()];
    const env = (port: number) =>
      appEnv(
        { slack, membrane, databaseUrl: database.url, port, publicUrl: `http://127.0.0.1:${portA}` },
        { DIGEST_TICK_SECONDS: '1', MEMBRANE_TIMEOUT_MS: '5000' },
      );
    // Started together: both run the migrations at once, and the migrator's lock lets one do it.
    [first, second] = await Promise.all([spawnApp(env(portA)), spawnApp(env(portB))]);
    a = slackClientFor(() => `${first.url}/slack/events`, slack);
    b = slackClientFor(() => `${second.url}/slack/events`, slack);
    // U1 is Jane in EspoCRM (found by email): the tasks created here are hers.
    slack.emails.set('U1', 'jane.smith@example.com');
    await a.command('connect');
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await membrane?.close();
    await slack?.close();
    await database?.drop();
  });

  const espo = () => membrane.tenant('T1').espo;
  const postsTo = (channel: string) =>
    slack.calls.filter((call: SlackCall) => call.method === 'chat.postMessage' && call.body.channel === channel);

  it('a Slack retry delivered to the other instance is processed once', async () => {
    const event = {
      type: 'message',
      channel_type: 'im',
      user: 'U1',
      team: 'T1',
      channel: 'D-retry',
      ts: '1800000001.000100',
      text: 'list leads status=New',
    };
    expect((await a.sendEvent(event, { eventId: 'Ev-two-instances' })).status).toBe(200);
    expect(
      (
        await b.sendEvent(event, {
          eventId: 'Ev-two-instances',
          headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
        })
      ).status,
    ).toBe(200);
    await slack.waitForCalls((call) => call.method === 'chat.postMessage' && call.body.channel === 'D-retry');
    await waitForLogs(
      second.logs,
      (line) => line.msg === 'duplicate Slack event dropped' && line.eventId === 'Ev-two-instances',
    );
    expect(postsTo('D-retry')).toHaveLength(1);
    expect(
      second.logs.some((line) => line.msg === 'duplicate Slack event dropped' && line.eventId === 'Ev-two-instances'),
    ).toBe(true);
  });

  it('a write previewed on one instance and confirmed on the other is written once', async () => {
    const before = espo().all('Account').length;
    const { reply, responseId } = await a.command('create account name="Across Instances Ltd"');
    const confirm = buttonNamed(reply, 'Confirm');
    const done = await b.click(confirm, { responseId });
    expect(textOf(done.replies[0]!)).toContain('Created account');
    const again = await a.click(confirm, { responseId });
    expect(textOf(again.replies[0]!)).toContain('already confirmed or cancelled');
    expect(espo().all('Account')).toHaveLength(before + 1);
  });

  it('two simultaneous Confirms on two instances write once', async () => {
    for (let round = 0; round < 5; round++) {
      const before = espo().all('Task').length;
      const { reply, responseId } = await a.command(`create task name="Race ${round}"`);
      const confirm = buttonNamed(reply, 'Confirm');
      const [one, other] = await Promise.all([
        a.click(confirm, { responseId: `${responseId}-a` }),
        b.click(confirm, { responseId: `${responseId}-b` }),
      ]);
      const texts = [textOf(one.replies[0]!), textOf(other.replies[0]!)];
      expect(texts.filter((text) => text.includes('Created task'))).toHaveLength(1);
      expect(texts.filter((text) => text.includes('already confirmed'))).toHaveLength(1);
      expect(espo().all('Task')).toHaveLength(before + 1);
    }
  });

  it('an EspoCRM webhook batch delivered to both instances is posted once', async () => {
    const { reply, responseId } = await a.command('subscribe lead created', { channel: 'C-alerts' });
    await b.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'C-alerts' });
    const webhook = [...espo().webhooks.registered.values()].find((registered) => registered.event === 'Lead.create')!;
    expect(new URL(webhook.url).origin).toBe(first.url);
    const body = JSON.stringify([
      { id: 'lead-both-1', name: 'Delivered Twice', firstName: 'Delivered', lastName: 'Twice', status: 'New' },
    ]);
    const headers = { 'content-type': 'application/json', ...signEspoBatch(webhook.id, webhook.secretKey, body) };
    const path = new URL(webhook.url).pathname;
    const answers = await Promise.all(
      [first.url, second.url].map((origin) => fetch(`${origin}${path}`, { method: 'POST', headers, body })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await slack.waitForCalls(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.body.channel === 'C-alerts' &&
        JSON.stringify(call.body).includes('Delivered Twice'),
    );
    // Both instances handled the batch; between them it made the one alert that was posted.
    const handled = await Promise.all(
      [first, second].map((instance) =>
        waitForLogs(instance.logs, (line) => line.msg === 'EspoCRM webhook batch handled'),
      ),
    );
    expect(handled.flat().reduce((sum, line) => sum + Number(line.alerts), 0)).toBe(1);
    expect(postsTo('C-alerts').filter((call) => JSON.stringify(call.body).includes('Delivered Twice'))).toHaveLength(1);
  });

  it('a due digest is sent once, though both instances look for it every second', async () => {
    const { reply, responseId } = await a.command('digest daily 09:00', { channel: 'C-digest' });
    await a.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'C-digest' });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const due = await client.query('UPDATE digests SET next_run_at = $1 WHERE channel_id = $2 RETURNING id', [
        Date.now() - 1000,
        'C-digest',
      ]);
      expect(due.rowCount).toBe(1);
      await slack.waitForCalls(
        (call) => call.method === 'chat.postMessage' && call.body.channel === 'C-digest',
        1,
        10_000,
      );
      // Each instance's scheduler looks every second: three seconds are ticks of both after the send.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(postsTo('C-digest')).toHaveLength(1);
      const row = await client.query('SELECT next_run_at, last_sent_at FROM digests WHERE channel_id = $1', [
        'C-digest',
      ]);
      expect(Number(row.rows[0].next_run_at)).toBeGreaterThan(Date.now());
      expect(Number(row.rows[0].last_sent_at)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await client.end();
    }
    const senders = [first, second].filter((instance) => instance.logs.some((line) => line.msg === 'digest sent'));
    expect(senders).toHaveLength(1);
  });
});
