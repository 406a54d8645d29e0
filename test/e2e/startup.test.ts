import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { appExit, spawnApp, type AppProcess } from '../support/app-process.js';
import { appEnv, freePort, slackClientFor, WORKSPACE_KEY, WORKSPACE_SECRET } from '../support/harness.js';
import { waitForLogs } from '../support/wait.js';

/**
 * `npm start` as a new user meets it: the app as a process of its own, configured by its
 * environment (and a .env), against fakes that refuse what the real services refuse. It starts and
 * says in one line what it found, or it stops with one message that names the variable to fix.
 */
describe('start-up', () => {
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let openai: FakeOpenAI;
  let dir: string;
  let app: AppProcess | undefined;
  let databases = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    openai = await startFakeOpenAI({ apiKey: 'sk-test-openai-key-0123456789' });
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-startup-'));
  });

  beforeEach(() => {
    slack.refusedTokens.clear();
  });

  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
  });

  afterAll(async () => {
    await Promise.all([slack?.close(), membrane?.close(), openai?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The environment of a working bot on a fresh database, with plain language; `overrides` break one thing. */
  const env = (overrides: Record<string, string> = {}, port = 0) =>
    appEnv({ slack, membrane, openai, databaseUrl: `sqlite:${join(dir, `bot-${++databases}.db`)}`, port }, overrides);

  /**
   * The start failed as it should: exit code 1, one line on stderr naming the variables, no stack anywhere a person
   * sees.
   */
  function expectRefusal(outcome: { code: number | null; stderr: string }, ...variables: string[]) {
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^The bot cannot start: /);
    for (const name of variables) expect(outcome.stderr).toContain(name);
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
    return lines;
  }

  /** The start-up summary line, once the app has logged it. */
  const summaryOf = async (process: AppProcess) => {
    const find = () => process.logs.find((line) => typeof line.checks === 'object');
    await expect.poll(find, { timeout: 5000 }).toBeDefined();
    return find()!;
  };

  const readyz = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, text: await response.text() };
  };

  it('starts and says in one line what it found', async () => {
    app = await spawnApp(env());
    const summary = await summaryOf(app);
    expect(summary.level).toBe(30);
    expect(summary.msg).toBe(
      `ready: Slack workspace Test as @espo (HTTP mode, ${app.url}/slack/events) · Membrane ok · model test-model at ${openai.url} · store sqlite:${join(dir, `bot-${databases}.db`)}`,
    );
    expect(summary.checks).toMatchObject({
      slack: { mode: 'http', team: 'Test', teamId: 'T1', bot: 'espo', botUserId: 'UBOT' },
      membrane: { apiUri: membrane.url, state: 'ok' },
      model: { model: 'test-model', baseUrl: openai.url, state: 'ok' },
      store: { dialect: 'sqlite' },
    });
    expect(await readyz(app.url)).toEqual({ status: 200, text: 'ready' });
    // Membrane was asked as the workspace's own tenant, the one its first command uses anyway.
    expect(membrane.calls.filter((call) => call.path === '/self').map((call) => call.tenant)).toEqual(['T1']);
    expect(app.stderr.join('')).toBe('');
  });

  it('starts from a copy of .env.example with what README step 3 asks for', async () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const filled = Object.entries({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
      MEMBRANE_WORKSPACE_KEY: WORKSPACE_KEY,
      MEMBRANE_WORKSPACE_SECRET: WORKSPACE_SECRET,
      ESPOCRM_URL: 'https://crm.example.com',
    }).reduce((text, [name, value]) => text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`), example);
    // Only where the services are (the fakes) and a free port come from the environment, which wins over .env.
    const port = await freePort();
    app = await spawnApp(
      { SLACK_API_URL: slack.apiUrl, MEMBRANE_API_URI: membrane.url, PORT: String(port), HOST: '127.0.0.1' },
      { files: { '.env': filled } },
    );
    const summary = await summaryOf(app);
    expect(summary.msg).toMatch(/^ready: Slack workspace Test as @espo /);
    expect(summary.msg).toContain(
      'model off (no OPENAI_API_KEY: commands and the fast path) · store sqlite:./data/espo-slack.db',
    );
  });

  it('copied as it is, .env.example says what to fill in', async () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const outcome = await appExit({}, { files: { '.env': example } });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^The bot cannot start: 3 settings need fixing\./);
    for (const name of [
      'SLACK_BOT_TOKEN still holds the placeholder',
      'SLACK_SIGNING_SECRET still holds the placeholder',
      'MEMBRANE_WORKSPACE_KEY is required',
    ]) {
      expect(outcome.stderr).toContain(name);
    }
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
  });

  it('stops on a bot token Slack refuses, naming SLACK_BOT_TOKEN', async () => {
    slack.refusedTokens.set('xoxb-test-token', 'invalid_auth');
    const outcome = await appExit(env());
    const lines = expectRefusal(outcome, 'SLACK_BOT_TOKEN', 'invalid_auth', 'OAuth & Permissions');
    expect(lines).toHaveLength(1);
    expect(outcome.logs.some((line) => line.level === 20)).toBe(false);
  });

  it('stops on an app-level token Slack refuses, in Socket Mode', async () => {
    slack.refusedTokens.set('xapp-1-revoked', 'invalid_auth');
    const lines = expectRefusal(
      await appExit(env({ SLACK_APP_TOKEN: 'xapp-1-revoked' })),
      'SLACK_APP_TOKEN',
      'invalid_auth',
      'connections:write',
    );
    expect(lines).toHaveLength(1);
  });

  it('stops on Membrane credentials Membrane refuses, naming both; the stack is logged at debug level only', async () => {
    const outcome = await appExit(env({ MEMBRANE_WORKSPACE_SECRET: 'not-the-secret', LOG_LEVEL: 'debug' }));
    const lines = expectRefusal(
      outcome,
      'MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET were refused',
      'not_authenticated',
    );
    expect(lines).toHaveLength(1);
    expect(outcome.logs.find((line) => line.msg === 'start-up failed')).toMatchObject({
      level: 20,
      err: { stack: expect.stringMatching(/\n\s+at /) },
    });
  });

  it('lists every refused setting in one message: a revoked bot token and a model key the endpoint refuses', async () => {
    slack.refusedTokens.set('xoxb-test-token', 'token_revoked');
    const lines = expectRefusal(
      await appExit(env({ OPENAI_API_KEY: 'sk-wrong' })),
      'SLACK_BOT_TOKEN',
      'OPENAI_API_KEY',
    );
    expect(lines).toEqual([
      'The bot cannot start: 2 settings were refused:',
      expect.stringMatching(/^ {2}- SLACK_BOT_TOKEN was refused by Slack \(token_revoked\)/),
      `  - OPENAI_API_KEY was refused by ${openai.url} (401 invalid_api_key): set a key that endpoint accepts, or leave OPENAI_API_KEY empty to run with commands only`,
    ]);
  });

  it('stops when PORT is taken, naming PORT', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      expectRefusal(await appExit(env({}, port)), `PORT ${port} is already in use on HOST 127.0.0.1`);
    } finally {
      taken.close();
    }
  });

  it('stops when PostgreSQL cannot be reached, naming DATABASE_URL', async () => {
    const port = await freePort();
    const lines = expectRefusal(
      await appExit(env({ DATABASE_URL: `postgres://bot:secret@127.0.0.1:${port}/espo` })),
      'DATABASE_URL',
      'ECONNREFUSED',
    );
    // The password stays out of the message.
    expect(lines.join('\n')).not.toContain('secret');
    expect(lines[0]).toContain(`postgres://bot@127.0.0.1:${port}/espo`);
  });

  it('stops when the SQLite file cannot be written, naming DATABASE_URL', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    expectRefusal(
      await appExit(env({ DATABASE_URL: `sqlite:${join(file, 'bot.db')}` })),
      'DATABASE_URL',
      'cannot be written',
      'a-file',
    );
  });

  it('starts when Slack cannot be reached, not ready until a re-check gets through', async () => {
    slack.failNext('/api/auth.test', { status: 503, times: 1 });
    app = await spawnApp(env());
    const summary = await summaryOf(app);
    expect(summary.level).toBe(40);
    expect(summary.msg).toBe(
      `started, with problems: Slack unavailable (HTTP 503 at ${slack.apiUrl}; /readyz says not ready until it answers) · ` +
        `Membrane not checked (no workspace has used the bot yet; the first command checks it) · model test-model at ${openai.url} · store ${summary.checks && (summary.checks as { store: { location: string } }).store.location}`,
    );
    expect(await readyz(app.url)).toEqual({
      status: 503,
      text: `Slack unavailable (HTTP 503 at ${slack.apiUrl}): SLACK_BOT_TOKEN not checked yet; checking again`,
    });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    // The re-check (a second later) finds Slack answering.
    await expect.poll(() => readyz(app!.url), { timeout: 5000, interval: 200 }).toEqual({ status: 200, text: 'ready' });
    expect(
      app.logs.some((line) => String(line.msg).startsWith('Slack answers: SLACK_BOT_TOKEN is @espo in Test')),
    ).toBe(true);
  });

  it('is not ready once Slack says the bot token was revoked, and says so once', async () => {
    app = await spawnApp(env());
    const client = slackClientFor(() => `${app!.url}/slack/events`, slack);
    // Another bot's token in the workspace: not ours.
    await client.sendEvent({ type: 'tokens_revoked', tokens: { bot: ['UOTHER'] } });
    // The listener's log line comes after the token was (or was not) told.
    await waitForLogs(app.logs, (line) => line.event === 'tokens_revoked');
    expect(await readyz(app.url)).toEqual({ status: 200, text: 'ready' });
    await client.sendEvent({ type: 'tokens_revoked', tokens: { bot: ['UBOT'] } });
    await expect
      .poll(() => readyz(app!.url), { timeout: 5000, interval: 100 })
      .toEqual({ status: 503, text: 'Slack refused SLACK_BOT_TOKEN (tokens_revoked)' });
    await client.sendEvent({ type: 'app_uninstalled' });
    await waitForLogs(app.logs, (line) => line.event === 'app_uninstalled');
    const said = app.logs.filter((line) => line.variable === 'SLACK_BOT_TOKEN');
    expect(said).toEqual([
      expect.objectContaining({
        level: 50,
        msg: expect.stringMatching(
          /^SLACK_BOT_TOKEN was refused by Slack \(tokens_revoked\): copy the Bot User OAuth Token/,
        ),
      }),
    ]);
  });
});
