import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../src/slack/installation-store.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { freshPostgresSchema, POSTGRES_URL } from '../support/databases.js';
import { BOT_USER, CLIENT_ID, SITE_URL, startHarness, textOf, type Harness } from '../support/harness.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const T9 = {
  team: 'T9',
  teamName: 'Nine',
  botToken: 'xoxb-t9',
  botUserId: BOT_USER,
  installer: 'U9',
  scopes: [...BOT_SCOPES],
};
const T8 = { team: 'T8', botToken: 'xoxb-t8', botUserId: BOT_USER, scopes: [...BOT_SCOPES] };

/** Waits for a condition the app reaches after its ack (event listeners run after it). */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('multi-workspace install through Slack OAuth, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ oauth: true });
  });
  afterAll(() => h.close());

  const turnsOf = async (tenant: string) =>
    (await h.app.store.db.selectFrom('conversation_turns').select('id').where('tenant_key', '=', tenant).execute())
      .length;

  it('starts the install at /slack/install: straight to Slack with the scopes and a state bound to a cookie', async () => {
    const response = await fetch(`${h.app.url}/slack/install`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    // The consent page is on the configured Slack host (SLACK_API_URL's), as for GovSlack.
    expect(`${location.origin}${location.pathname}`).toBe(`${h.slack.url}/oauth/v2/authorize`);
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('scope')!.split(',')).toEqual([...BOT_SCOPES]);
    const state = location.searchParams.get('state');
    expect(state).toBeTruthy();
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toContain(`slack-app-oauth-state=${state}`);
    expect(cookie).toContain('HttpOnly');
  });

  it('installs a workspace from the OAuth callback, then answers its commands with its own token', async () => {
    const callback = await h.install(T9);
    expect(callback.status).toBe(200);
    expect(callback.body).toContain('Thank you');
    const exchange = h.slack.calls.find((call) => call.method === 'oauth.v2.access');
    expect(exchange?.body).toMatchObject({ client_id: CLIENT_ID });

    const stored = JSON.parse((await h.app.store.installations.find('T9'))!);
    expect(stored).toMatchObject({
      team: { id: 'T9', name: 'Nine' },
      bot: { token: 'xoxb-t9', userId: BOT_USER, id: 'BT9' },
      user: { id: 'U9' },
    });
    expect(h.logs.some((line) => line.msg === 'Slack installation saved' && line.teamId === 'T9')).toBe(true);

    const before = h.slack.calls.length;
    const { reply } = await h.command('list leads', { team: 'T9', user: 'U9' });
    expect(textOf(reply)).toContain('Leads');
    const apiCalls = h.slack.calls.slice(before);
    expect(apiCalls.some((call) => call.method === 'users.info' && call.token === 'xoxb-t9')).toBe(true);
    expect(apiCalls.every((call) => call.token === 'xoxb-t9')).toBe(true);
    expect(await h.app.store.connections.get('T9')).toMatchObject({ state: 'READY' });

    // A thread in T9 is remembered (and forgotten with the workspace, below).
    await h.say('mention', 'list leads', { team: 'T9', user: 'U9' });
    expect(await turnsOf('T9')).toBeGreaterThan(0);

    // Tokens live in the database only: never in a log line.
    expect(JSON.stringify(h.logs)).not.toContain('xoxb-t9');
  });

  it("refuses a callback whose state is not the browser's, and installs nothing", async () => {
    const start = await fetch(`${h.app.url}/slack/install`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    h.slack.grants.set('code-forged', { team: 'T7', botToken: 'xoxb-t7', botUserId: BOT_USER });

    const forged = await fetch(`${h.app.url}/slack/oauth_redirect?code=code-forged&state=not-the-state`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('Something Went Wrong');
    // A real state, but from another browser (no cookie): CSRF, refused too.
    const noCookie = await fetch(
      `${h.app.url}/slack/oauth_redirect?code=code-forged&state=${encodeURIComponent(state)}`,
      { redirect: 'manual' },
    );
    expect(noCookie.status).toBe(400);

    expect(h.slack.grants.has('code-forged')).toBe(true);
    expect(
      h.slack.calls.filter((call) => call.method === 'oauth.v2.access' && call.body.code === 'code-forged'),
    ).toEqual([]);
    expect(await h.app.store.installations.find('T7')).toBeUndefined();
  });

  it('answers an unknown code with an error page', async () => {
    const start = await fetch(`${h.app.url}/slack/install`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const response = await fetch(
      `${h.app.url}/slack/oauth_redirect?code=never-issued&state=${encodeURIComponent(state)}`,
      {
        headers: { cookie: start.headers.get('set-cookie')!.split(';')[0]! },
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('Something Went Wrong');
  });

  it('forgets a workspace on app_uninstalled: no tokens, no cached connection, no threads; other workspaces go on', async () => {
    expect((await h.install(T8)).status).toBe(200);
    await h.command('connect', { team: 'T8' });
    expect(await h.app.store.installations.find('T9')).toBeDefined();

    const sent = await h.sendEvent({ type: 'app_uninstalled' }, { team: 'T9' });
    expect(sent.status).toBe(200);
    expect(
      await eventually(
        () => h.app.store.installations.find('T9'),
        (found) => found === undefined,
      ),
    ).toBeUndefined();
    expect(await h.app.store.connections.get('T9')).toBeUndefined();
    expect(await turnsOf('T9')).toBe(0);
    expect(h.logs.find((line) => line.event === 'app_uninstalled')).toMatchObject({
      teamId: 'T9',
      installation: true,
      connections: 1,
    });

    // A later command from T9 is acked and dropped: Bolt's authorize finds no installation.
    const dropped = await h.post({
      command: '/espo',
      text: 'list leads',
      team_id: 'T9',
      user_id: 'U9',
      channel_id: 'C9',
      response_url: h.slack.responseUrl('after-uninstall'),
      trigger_id: 't',
      api_app_id: 'A1',
    });
    expect(dropped.status).toBe(200);
    // The process keeps running and answers the other workspace, with that workspace's token.
    const before = h.slack.calls.length;
    expect(textOf((await h.command('list leads', { team: 'T8' })).reply)).toContain('Leads');
    expect(h.slack.calls.slice(before).every((call) => call.token === 'xoxb-t8')).toBe(true);
    expect(h.slack.responses.filter((post) => post.id === 'after-uninstall')).toEqual([]);
    expect(h.logs.some((line) => line.level === 40 && String(line.msg).includes('not installed'))).toBe(true);
    expect(await h.app.store.connections.get('T8')).toBeDefined();

    // Slack may say it twice (or another instance did it first): nothing left to delete is fine.
    expect((await h.sendEvent({ type: 'app_uninstalled' }, { team: 'T9' })).status).toBe(200);
    const again = await eventually(
      async () => h.logs.filter((line) => line.event === 'app_uninstalled'),
      (lines) => lines.length >= 2,
    );
    expect(again[1]).toMatchObject({ teamId: 'T9', installation: false, connections: 0 });
  });

  it('deletes the installation when the bot token is revoked, and ignores revoked user tokens', async () => {
    await h.sendEvent({ type: 'tokens_revoked', tokens: { oauth: ['U8'] } }, { team: 'T8' });
    await eventually(
      async () => h.logs.filter((line) => line.event === 'tokens_revoked'),
      (lines) => lines.length >= 1,
    );
    expect(await h.app.store.installations.find('T8')).toBeDefined();

    await h.sendEvent({ type: 'tokens_revoked', tokens: { bot: [BOT_USER] } }, { team: 'T8' });
    expect(
      await eventually(
        () => h.app.store.installations.find('T8'),
        (found) => found === undefined,
      ),
    ).toBeUndefined();
    // The EspoCRM connection in Membrane is unaffected: a reinstall finds it cached.
    expect(await h.app.store.connections.get('T8')).toBeDefined();

    // Revoked again for a workspace with nothing stored: logged, nothing breaks.
    await h.sendEvent({ type: 'tokens_revoked', tokens: { bot: [BOT_USER] } }, { team: 'T5' });
    const lines = await eventually(
      async () => h.logs.filter((line) => line.event === 'tokens_revoked'),
      (found) => found.length >= 3,
    );
    expect(lines[2]).toMatchObject({ teamId: 'T5', installation: false });
  });

  it('reinstalls a workspace that left, and serves it again', async () => {
    expect((await h.install({ ...T9, botToken: 'xoxb-t9-again' })).status).toBe(200);
    const before = h.slack.calls.length;
    expect(textOf((await h.command('list leads', { team: 'T9' })).reply)).toContain('Leads');
    expect(h.slack.calls.slice(before).every((call) => call.token === 'xoxb-t9-again')).toBe(true);
  });
});

describe('installations in a database that stops answering', () => {
  it(
    'is not taken for a missing installation: a 500, so Slack tries again, and served as soon as it answers',
    { timeout: 30_000 },
    async () => {
      const database = await freshPostgresSchema();
      const proxy = await startTcpProxy({ port: Number(new URL(POSTGRES_URL).port || 5432) });
      const viaProxy = new URL(database.url);
      viaProxy.port = String(proxy.port);
      const h = await startHarness({ oauth: true, env: { DATABASE_URL: viaProxy.toString() } });
      try {
        expect((await h.install(T9)).status).toBe(200);
        await proxy.refuse();
        // Bolt reads the team's installation before any listener: the store cannot answer.
        const command = await h.post({
          command: '/espo',
          text: 'help',
          team_id: 'T9',
          user_id: 'U9',
          channel_id: 'C1',
          response_url: h.slack.responseUrl('store-down'),
          trigger_id: 't-down',
        });
        expect(command.status).toBe(500);
        const event = await h.sendEvent(
          { type: 'app_mention', user: 'U9', team: 'T9', channel: 'C1', ts: '1800000000.000100', text: '<@UBOT> help' },
          { team: 'T9' },
        );
        expect(event.status).toBe(500);
        expect(
          h.logs.filter((line) => line.msg === 'a request from a workspace the app is not installed in was dropped'),
        ).toEqual([]);
        expect(
          h.logs.filter(
            (line) =>
              line.msg === 'a Slack request failed before its acknowledgement: answered 500, so Slack retries it',
          ),
        ).toHaveLength(2);
        // Nothing of the failure is kept: the database is back, the workspace is served.
        await proxy.restore();
        expect(textOf((await h.command('help', { team: 'T9', user: 'U9' })).reply)).toContain('/espo');
        // A workspace that never installed the app is still told apart: acknowledged and dropped.
        expect(
          (
            await h.post({
              command: '/espo',
              text: 'help',
              team_id: 'T7',
              user_id: 'U7',
              channel_id: 'C1',
              response_url: h.slack.responseUrl('t7'),
              trigger_id: 't-7',
            })
          ).status,
        ).toBe(200);
        expect(
          h.logs.filter((line) => line.msg === 'a request from a workspace the app is not installed in was dropped'),
        ).toHaveLength(1);
      } finally {
        await h.close();
        await proxy.close();
        await database.drop();
      }
    },
  );
});

describe('single-workspace mode', () => {
  it('serves no install routes', async () => {
    const h = await startHarness();
    try {
      expect((await fetch(`${h.app.url}/slack/install`, { redirect: 'manual' })).status).toBe(404);
      expect((await fetch(`${h.app.url}/slack/oauth_redirect?code=x&state=y`, { redirect: 'manual' })).status).toBe(
        404,
      );
    } finally {
      await h.close();
    }
  });
});

describe('manifest.yml', () => {
  const manifest = readFileSync(join(import.meta.dirname, '..', '..', 'manifest.yml'), 'utf8');

  /** The lines nested under the first `key:` line (comments included), as manifest.yml indents them. */
  function blockUnder(key: string): string[] {
    const lines = manifest.split('\n');
    const at = lines.findIndex((line) => line.trim() === `${key}:`);
    expect(at, `${key}: in manifest.yml`).toBeGreaterThanOrEqual(0);
    const indent = lines[at]!.search(/\S/);
    const end = lines.findIndex((line, i) => i > at && line.trim() !== '' && line.search(/\S/) <= indent);
    return lines.slice(at + 1, end < 0 ? undefined : end);
  }
  /** The `- item` entries of a list, comments left out. */
  const listUnder = (key: string) => blockUnder(key).flatMap((line) => /^\s*- ([\w:./-]+)\s*$/.exec(line)?.[1] ?? []);

  /** What the app listens for, from its listener registrations. */
  function registrations() {
    const events: string[] = [];
    const shortcuts: string[] = [];
    const commands: string[] = [];
    const app = {
      command: (name: string) => commands.push(name),
      action: () => undefined,
      view: () => undefined,
      options: () => undefined,
      shortcut: (id: string) => shortcuts.push(id),
      event: (name: string) => events.push(name),
      // The DM listener: messages in the bot's DM.
      message: () => events.push('message.im'),
      // Bolt's Assistant: its threads start and change context; their messages are DMs too.
      assistant: () => events.push('assistant_thread_started', 'assistant_thread_context_changed', 'message.im'),
    };
    registerListeners(app as never, {} as never);
    return { events: [...new Set(events)], shortcuts, commands };
  }

  it('asks for the bot scopes the install asks for', () => {
    expect(listUnder('bot').sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('subscribes to exactly the events the app listens for', () => {
    expect(listUnder('bot_events').sort()).toEqual(registrations().events.sort());
  });

  it('declares the slash command and the message shortcut the app registers', () => {
    const { commands, shortcuts } = registrations();
    expect(commands).toEqual(['/espo']);
    expect(blockUnder('slash_commands').join('\n')).toContain('- command: /espo');
    expect(shortcuts).toEqual(['espo_log_message']);
    expect(blockUnder('shortcuts').join('\n')).toMatch(/type: message\n\s+callback_id: espo_log_message\n/);
  });

  it("lists ESPOCRM_URL's host for link previews", () => {
    expect(listUnder('unfurl_domains')).toEqual([new URL(SITE_URL).host]);
  });

  it("names interactivity's HTTP-mode URLs, the external select's options URL too", () => {
    const interactivity = blockUnder('interactivity').join('\n');
    expect(interactivity).toMatch(/^\s*(# )?request_url: https:\/\/espo\.example\.com\/slack\/events$/m);
    expect(interactivity).toMatch(/^\s*(# )?message_menu_options_url: https:\/\/espo\.example\.com\/slack\/events$/m);
  });
});
