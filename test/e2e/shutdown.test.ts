import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { spawnApp, type AppProcess } from '../support/app-process.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import {
  appEnv,
  SIGNING_SECRET,
  slackClientFor,
  textOf,
  WORKSPACE_KEY,
  WORKSPACE_SECRET,
  type SlackClient,
} from '../support/harness.js';
import { slackSignature } from '../../fakes/slack/signing.js';

/** SIGTERM, as a deploy or a scale-down sends it: no new work, the work in hand finished, then exit. */
describe('graceful shutdown', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let dir: string;
  let app: AppProcess;
  let client: SlackClient;

  /** A fresh app process on the same database, warm, its Membrane fast again. */
  async function started(graceSeconds = 10): Promise<void> {
    membrane.latencyMs = 0;
    // One request worked on at a time, so a second one waits in the queue when the signal comes.
    app = await spawnApp(
      appEnv(
        { slack, membrane, databaseUrl: `sqlite:${join(dir, 'bot.db')}`, port: 0 },
        { MAX_CONCURRENT_WORK: '1', MEMBRANE_TIMEOUT_MS: '5000', SHUTDOWN_GRACE_SECONDS: String(graceSeconds) },
      ),
    );
    client = slackClientFor(() => `${app.url}/slack/events`, slack);
    await client.command('connect');
    await client.command('list leads');
  }

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-shutdown-'));
  });

  afterEach(async () => {
    await app?.stop('SIGKILL');
  });

  afterAll(async () => {
    await membrane?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the requests it acknowledged, takes no new ones, and exits cleanly', async () => {
    await started();
    membrane.latencyMs = 1200;
    const command = (id: string, text: string) =>
      client.post({
        command: '/espo',
        text,
        team_id: 'T1',
        user_id: 'U1',
        channel_id: 'C1',
        response_url: slack.responseUrl(id),
        trigger_id: `t-${id}`,
      });
    // Both acknowledged before the signal; their replies are still to come (Membrane is slow).
    const acks = await Promise.all([
      command('in-flight-1', 'list leads status=New'),
      command('in-flight-2', 'list deals'),
    ]);
    expect(acks.map((ack) => ack.status)).toEqual([200, 200]);
    const signalled = Date.now();
    const exited = app.stop('SIGTERM');
    // New requests are refused at once, while the acknowledged ones are still being worked on.
    const health = () =>
      fetch(`${app.url}/healthz`).then(
        () => 'served',
        () => 'refused',
      );
    await expect.poll(health, { interval: 20 }).toBe('refused');
    const refusedAt = performance.timeOrigin + performance.now();

    const [first] = await slack.waitForResponses('in-flight-1', 1, 10_000);
    const [second] = await slack.waitForResponses('in-flight-2', 1, 10_000);
    expect(textOf(first!.body)).toContain('Leads');
    expect(textOf(second!.body)).toContain('Opportunities');
    expect(first!.at).toBeGreaterThan(refusedAt);

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1200);
    expect(app.logs.find((line) => line.msg === 'shutting down: finishing the work in hand')).toMatchObject({
      signal: 'SIGTERM',
    });
    expect(app.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    expect(app.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it('ends a keep-alive connection that is carrying a request at the signal with its response, and still exits cleanly', async () => {
    await started();
    const { port } = new URL(app.url);
    const agent = new Agent({ keepAlive: true });
    const body = new URLSearchParams({
      command: '/espo',
      text: 'help',
      team_id: 'T1',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: slack.responseUrl('half-sent'),
      trigger_id: 't-half',
    }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    // The request is half sent when the signal comes, and finished after it.
    let answered!: (value: { status: number; connection?: string }) => void;
    const answer = new Promise<{ status: number; connection?: string }>((resolve) => (answered = resolve));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => answered({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      },
    );
    req.write(body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signalled = Date.now();
    const exited = app.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    req.end(body.slice(20));

    expect(await answer).toEqual({ status: 200, connection: 'close' });
    await slack.waitForResponses('half-sent', 1, 10_000);
    expect(await exited).toEqual({ code: 0, signal: null });
    // Well inside the grace period (10 s), not ended by the watchdog.
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(app.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    agent.destroy();
  });

  /** SIGTERM, and how long the process took to exit; it must have closed its store and said so. */
  async function stopTimed(): Promise<number> {
    const signalled = performance.now();
    expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const tookMs = performance.now() - signalled;
    expect(app.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    expect(app.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    return tookMs;
  }

  it('exits as soon as nothing is in hand, not at the end of the grace period', async () => {
    await started(20);
    const tookMs = await stopTimed();
    console.log(`no work in hand, grace 20 s: SIGTERM to exit ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(2000);
  });

  it('closes the connection of a body it refuses as too large, and does not wait for it at SIGTERM', async () => {
    await started(20);
    const { port } = new URL(app.url);
    const agent = new Agent({ keepAlive: true });
    const size = 5 * 1024 * 1024; // over Bolt's 4 MB limit
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await new Promise<{ status?: number; connection?: string; closed: boolean }>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/slack/events',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': size,
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': 'v0=00',
          },
        },
        (res) => {
          res.resume();
          // The server ends the connection itself: the rest of the body is never read.
          const answered = { status: res.statusCode, connection: res.headers.connection };
          const left = setTimeout(() => resolve({ ...answered, closed: false }), 5000);
          req.socket!.once('close', () => {
            clearTimeout(left);
            resolve({ ...answered, closed: true });
          });
        },
      );
      req.on('error', () => undefined);
      req.end(Buffer.alloc(size, 'x'));
    });
    expect(answer).toEqual({ status: 413, connection: 'close', closed: true });
    const tookMs = await stopTimed();
    console.log(`after a refused 5 MB body, grace 20 s: SIGTERM to exit ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(2000);
    agent.destroy();
  });
});
