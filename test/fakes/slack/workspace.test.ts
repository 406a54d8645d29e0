import { beforeEach, describe, expect, it } from 'vitest';
import { SlackWorkspace, type AppTransport, type WorkspaceOptions } from '../../../fakes/slack/workspace.js';

/** The workspace model's Slack semantics, with the app replaced by a recorder that answers as told. */
const options: WorkspaceOptions = {
  team: { id: 'T1', name: 'Acme', domain: 'acme' },
  bot: { userId: 'UBOT', botId: 'BBOT', appId: 'A1', name: 'EspoCRM' },
  people: [
    {
      id: 'UJANE',
      name: 'jane',
      realName: 'Jane Smith',
      email: 'jane@example.com',
      timeZone: 'Europe/Berlin',
      isAdmin: true,
    },
    { id: 'UMARCO', name: 'marco', realName: 'Marco Lopez', timeZone: 'America/New_York' },
  ],
  channels: [{ id: 'CSALES', name: 'sales' }],
  command: '/espo',
  shortcuts: [{ callbackId: 'espo_log_message', name: 'Log to EspoCRM', type: 'message' }],
  unfurlDomains: ['crm.example.com'],
};

type Sent = { kind: 'form' | 'json'; body: Record<string, unknown> };

let now: number;
let ws: SlackWorkspace;
let sent: Sent[];
let answer: (sent: Sent) => { status: number; body: string };

const payloadOf = (s: Sent) => JSON.parse(String(s.body.payload)) as Record<string, unknown>;
const eventOf = (s: Sent) => (s.body as { event: Record<string, unknown> }).event;
const responseId = (url: unknown) => String(url).split('/').pop()!;
const bot = (text: string, blocks?: unknown[]) => ({ text, ...(blocks ? { blocks } : {}) });
const button = (actionId: string, text: string, value?: string) => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text },
  ...(value ? { value } : {}),
});
const input = (blockId: string, element: Record<string, unknown>, optional = false) => ({
  type: 'input',
  block_id: blockId,
  optional,
  label: { type: 'plain_text', text: blockId },
  element: { action_id: 'v', ...element },
});

beforeEach(() => {
  now = Date.UTC(2026, 10, 25, 12);
  sent = [];
  answer = () => ({ status: 200, body: '' });
  ws = new SlackWorkspace(options, () => now);
  ws.attach('http://slack.test');
  const transport: AppTransport = {
    form: async (body) => {
      const record: Sent = { kind: 'form', body };
      sent.push(record);
      return answer(record);
    },
    json: async (body) => {
      const record: Sent = { kind: 'json', body: body as Record<string, unknown> };
      sent.push(record);
      return answer(record);
    },
  };
  ws.connect(transport);
});

/** Runs `/espo <text>` as Jane in #sales and returns the response_url id the app was given. */
async function command(text: string, user = 'UJANE', channel = 'CSALES'): Promise<string> {
  await ws.command(user, channel, text);
  return responseId(sent.at(-1)!.body.response_url);
}

/** Opens a modal for Jane through a trigger from a slash command. */
async function openModal(view: Record<string, unknown>) {
  await command('form');
  const opened = ws.webApi('views.open', { trigger_id: sent.at(-1)!.body.trigger_id, view }) as {
    ok: boolean;
    view: { id: string; hash: string };
  };
  expect(opened.ok).toBe(true);
  return opened.view;
}

describe('the Web API', () => {
  it('posts to a channel, to a person (the DM with the app) and in threads', () => {
    const posted = ws.webApi('chat.postMessage', { channel: 'CSALES', ...bot('hello') }) as {
      ts: string;
      channel: string;
    };
    expect(posted).toMatchObject({ ok: true, channel: 'CSALES' });
    expect(ws.webApi('chat.postMessage', { channel: 'UMARCO', ...bot('to Marco') })).toMatchObject({
      ok: true,
      channel: 'DMARCO',
    });
    expect(ws.webApi('chat.postMessage', { channel: 'CSALES', thread_ts: posted.ts, ...bot('reply') })).toMatchObject({
      ok: true,
    });
    expect(ws.webApi('chat.postMessage', { channel: 'CNOPE', ...bot('x') })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    const jane = ws.snapshot('UJANE');
    expect(jane.messages.map((m) => m.text)).toEqual(['hello', 'reply']);
    expect(jane.messages[1]!.threadTs).toBe(posted.ts);
    expect(ws.snapshot('UMARCO').messages.map((m) => m.text)).toEqual(['hello', 'to Marco', 'reply']);
  });

  it('shows an ephemeral message to its person only, who must be in the channel', () => {
    expect(ws.webApi('chat.postEphemeral', { channel: 'CSALES', user: 'UJANE', ...bot('psst') })).toMatchObject({
      ok: true,
      message_ts: expect.any(String),
    });
    expect(ws.snapshot('UJANE').messages.map((m) => m.text)).toEqual(['psst']);
    expect(ws.snapshot('UMARCO').messages).toEqual([]);
    expect(ws.webApi('chat.postEphemeral', { channel: 'DJANE', user: 'UMARCO', ...bot('x') })).toEqual({
      ok: false,
      error: 'user_not_in_channel',
    });
  });

  it("updates and deletes only the app's own, non-ephemeral messages", async () => {
    const posted = ws.webApi('chat.postMessage', { channel: 'CSALES', ...bot('v1') }) as { ts: string };
    expect(ws.webApi('chat.update', { channel: 'CSALES', ts: posted.ts, ...bot('v2') })).toMatchObject({ ok: true });
    expect(ws.snapshot('UJANE').messages[0]).toMatchObject({ text: 'v2', version: 2 });
    const ephemeral = ws.webApi('chat.postEphemeral', { channel: 'CSALES', user: 'UJANE', ...bot('e') }) as {
      message_ts: string;
    };
    expect(ws.webApi('chat.update', { channel: 'CSALES', ts: ephemeral.message_ts, ...bot('x') })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    const mine = await ws.say('UJANE', 'CSALES', 'my words');
    expect(ws.webApi('chat.update', { channel: 'CSALES', ts: mine.ts, ...bot('x') })).toEqual({
      ok: false,
      error: 'cant_update_message',
    });
    expect(ws.webApi('chat.delete', { channel: 'CSALES', ts: posted.ts })).toMatchObject({ ok: true });
    expect(ws.snapshot('UMARCO').messages.map((m) => m.text)).toEqual(['my words']);
  });

  it('answers users.info from the people, with email, time zone and admin flag', () => {
    expect(ws.webApi('users.info', { user: 'UJANE' })).toMatchObject({
      ok: true,
      user: { id: 'UJANE', tz: 'Europe/Berlin', is_admin: true, profile: { email: 'jane@example.com' } },
    });
    expect(
      (ws.webApi('users.info', { user: 'UMARCO' }) as { user: { profile: object } }).user.profile,
    ).not.toHaveProperty('email');
    expect(ws.webApi('users.info', { user: 'UNOBODY' })).toEqual({ ok: false, error: 'user_not_found' });
    expect(ws.webApi('auth.test', {})).toMatchObject({ ok: true, team_id: 'T1', user_id: 'UBOT', bot_id: 'BBOT' });
    expect(ws.webApi('assistant.threads.setStatus', {})).toBeUndefined();
  });
});

describe('response_url', () => {
  it('posts ephemerally by default, in the channel when asked, and at most five times', async () => {
    const id = await command('list deals');
    expect(ws.responsePost(id, { text: 'only you' }).status).toBe(200);
    expect(ws.responsePost(id, { text: 'everyone', response_type: 'in_channel' }).status).toBe(200);
    expect(ws.snapshot('UMARCO').messages.map((m) => m.text)).toEqual(['everyone']);
    expect(ws.snapshot('UJANE').messages.map((m) => [m.text, m.ephemeralTo])).toEqual([
      ['only you', 'UJANE'],
      ['everyone', undefined],
    ]);
    for (let i = 0; i < 3; i++) expect(ws.responsePost(id, { text: `more ${i}` }).status).toBe(200);
    expect(ws.responsePost(id, { text: 'sixth' })).toEqual({ status: 404, body: 'used_url' });
  });

  it('expires after 30 minutes', async () => {
    const id = await command('help');
    now += 31 * 60_000;
    expect(ws.responsePost(id, { text: 'late' })).toEqual({ status: 404, body: 'expired_url' });
  });

  it('replaces or deletes the message a click came from, keeping an ephemeral one ephemeral', async () => {
    const id = await command('create task');
    ws.responsePost(
      id,
      bot('Create this?', [{ type: 'actions', block_id: 'b', elements: [button('espo_confirm', 'Confirm', 'p1')] }]),
    );
    const preview = ws.snapshot('UJANE').messages[0]!;
    await ws.act('UJANE', { channel: 'CSALES', ts: preview.ts }, 'b', 'espo_confirm');
    const click = payloadOf(sent.at(-1)!);
    expect(
      ws.responsePost(responseId(click.response_url), {
        text: 'Created',
        replace_original: true,
        response_type: 'in_channel',
      }).status,
    ).toBe(200);
    expect(ws.snapshot('UJANE').messages).toMatchObject([
      { ts: preview.ts, text: 'Created', ephemeralTo: 'UJANE', version: 2 },
    ]);
    expect(ws.snapshot('UMARCO').messages).toEqual([]);
    ws.responsePost(responseId(click.response_url), { delete_original: true });
    expect(ws.snapshot('UJANE').messages).toEqual([]);
  });

  it('answers a message in a thread in that thread', async () => {
    const parent = ws.webApi('chat.postMessage', { channel: 'CSALES', ...bot('parent') }) as { ts: string };
    ws.webApi('chat.postMessage', {
      channel: 'CSALES',
      thread_ts: parent.ts,
      ...bot('preview', [{ type: 'actions', block_id: 'b', elements: [button('go', 'Go')] }]),
    });
    const preview = ws.snapshot('UJANE').messages[1]!;
    await ws.act('UJANE', { channel: 'CSALES', ts: preview.ts }, 'b', 'go');
    ws.responsePost(responseId(payloadOf(sent.at(-1)!).response_url), { text: 'That failed' });
    expect(ws.snapshot('UJANE').messages.at(-1)).toMatchObject({
      text: 'That failed',
      threadTs: parent.ts,
      ephemeralTo: 'UJANE',
    });
  });
});

describe('what people do, as Slack sends it', () => {
  it('sends a slash command as a form with escaped text, the channel, a response_url and a trigger', async () => {
    await ws.command('UJANE', 'CSALES', 'list deals amount>10k & more');
    expect(sent.at(-1)).toMatchObject({
      kind: 'form',
      body: {
        command: '/espo',
        text: 'list deals amount&gt;10k &amp; more',
        team_id: 'T1',
        user_id: 'UJANE',
        user_name: 'jane',
        channel_id: 'CSALES',
        channel_name: 'sales',
        api_app_id: 'A1',
      },
    });
    expect(String(sent.at(-1)!.body.response_url)).toMatch(/^http:\/\/slack\.test\/response\/R\d+$/);
    await ws.command('UJANE', 'DJANE', 'help');
    expect(sent.at(-1)!.body.channel_name).toBe('directmessage');
  });

  it('shows a command the app did not answer as an error only the person sees, and an immediate answer as a message', async () => {
    answer = () => ({ status: 500, body: '' });
    await ws.command('UJANE', 'CSALES', 'help');
    expect(ws.snapshot('UJANE').messages.at(-1)).toMatchObject({ user: 'USLACKBOT', ephemeralTo: 'UJANE' });
    expect(ws.snapshot('UJANE').messages.at(-1)!.text).toBe('/espo did not work: the app answered HTTP 500.');
    answer = () => ({ status: 200, body: JSON.stringify({ text: 'right away' }) });
    await ws.command('UJANE', 'CSALES', 'help');
    expect(ws.snapshot('UJANE').messages.at(-1)).toMatchObject({ text: 'right away', ephemeralTo: 'UJANE' });
  });

  it('stores what a person types as Slack formats it, and sends app_mention only when the app is mentioned', async () => {
    await ws.say('UJANE', 'CSALES', 'just chatting with @Marco about <deals> & such');
    expect(sent).toEqual([]);
    expect(ws.snapshot('UJANE').messages[0]!.text).toBe('just chatting with <@UMARCO> about &lt;deals&gt; &amp; such');
    const asked = await ws.say('UJANE', 'CSALES', '@EspoCRM show my deals in #sales');
    expect(eventOf(sent[0]!)).toMatchObject({
      type: 'app_mention',
      user: 'UJANE',
      channel: 'CSALES',
      ts: asked.ts,
      text: '<@UBOT> show my deals in <#CSALES|sales>',
    });
    expect(sent[0]!.body).toMatchObject({
      type: 'event_callback',
      team_id: 'T1',
      event_id: expect.stringMatching(/^Ev/),
    });
    await ws.say('UJANE', 'CSALES', '@espocrm and in the thread', asked.ts);
    expect(eventOf(sent[1]!)).toMatchObject({ type: 'app_mention', thread_ts: asked.ts });
  });

  it('sends every message in the DM as message.im, and links to unfurl domains as link_shared', async () => {
    const said = await ws.say(
      'UJANE',
      'DJANE',
      'look https://crm.example.com/#Lead/view/abc and https://other.example.org/x',
    );
    expect(eventOf(sent[0]!)).toMatchObject({
      type: 'message',
      channel_type: 'im',
      channel: 'DJANE',
      text: 'look <https://crm.example.com/#Lead/view/abc> and <https://other.example.org/x>',
    });
    const shared = eventOf(sent[1]!);
    expect(shared).toMatchObject({
      type: 'link_shared',
      channel: 'DJANE',
      user: 'UJANE',
      message_ts: said.ts,
      source: 'conversations_history',
      links: [{ domain: 'crm.example.com', url: 'https://crm.example.com/#Lead/view/abc' }],
    });
    expect(
      ws.webApi('chat.unfurl', {
        unfurl_id: shared.unfurl_id,
        source: 'conversations_history',
        unfurls: {
          'https://crm.example.com/#Lead/view/abc': {
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Lead*' } }],
          },
        },
      }),
    ).toEqual({ ok: true });
    expect(ws.snapshot('UJANE').messages[0]!.attachments).toMatchObject([
      { from_url: 'https://crm.example.com/#Lead/view/abc', blocks: [{ type: 'section' }] },
    ]);
    expect(
      ws.webApi('chat.unfurl', {
        channel: 'DJANE',
        ts: said.ts,
        unfurls: { 'https://crm.example.com/#Lead/view/other': { blocks: [] } },
      }),
    ).toEqual({ ok: false, error: 'cannot_unfurl_message' });
    expect(ws.webApi('chat.unfurl', { channel: 'DJANE', ts: '1.1', unfurls: {} })).toEqual({
      ok: false,
      error: 'cannot_find_message',
    });
    expect(ws.webApi('chat.getPermalink', { channel: 'DJANE', message_ts: said.ts })).toMatchObject({
      ok: true,
      permalink: `https://acme.slack.com/archives/DJANE/p${said.ts.replace('.', '')}`,
    });
  });

  it('sends a click as block_actions: the action, the container and a response_url; no message for an ephemeral one', async () => {
    const posted = ws.webApi('chat.postMessage', {
      channel: 'CSALES',
      ...bot('card', [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'x' },
          accessory: {
            type: 'static_select',
            action_id: 'pick',
            options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }],
          },
        },
        { type: 'actions', elements: [button('go', 'Go', 'v')] },
      ]),
    }) as { ts: string };
    const card = ws.snapshot('UJANE').messages[0]!;
    const [section, actions] = card.blocks as { block_id: string }[];
    expect(actions!.block_id).toMatch(/^gen/);
    await ws.act('UJANE', { channel: 'CSALES', ts: posted.ts }, actions!.block_id, 'go');
    const click = payloadOf(sent.at(-1)!);
    expect(click).toMatchObject({
      type: 'block_actions',
      user: { id: 'UJANE', username: 'jane', team_id: 'T1' },
      container: { type: 'message', message_ts: posted.ts, channel_id: 'CSALES', is_ephemeral: false },
      channel: { id: 'CSALES', name: 'sales' },
      message: { ts: posted.ts, text: 'card', bot_id: 'BBOT' },
      actions: [{ type: 'button', action_id: 'go', block_id: actions!.block_id, value: 'v', text: { text: 'Go' } }],
    });
    expect(click.trigger_id).toEqual(expect.any(String));
    await ws.act('UJANE', { channel: 'CSALES', ts: posted.ts }, section!.block_id, 'pick', '1');
    expect(payloadOf(sent.at(-1)!).actions).toMatchObject([
      { type: 'static_select', selected_option: { value: '1', text: { text: 'One' } } },
    ]);

    const ephemeral = ws.webApi('chat.postEphemeral', {
      channel: 'CSALES',
      user: 'UJANE',
      ...bot('e', [{ type: 'actions', block_id: 'b', elements: [button('go', 'Go')] }]),
    }) as { message_ts: string };
    await ws.act('UJANE', { channel: 'CSALES', ts: ephemeral.message_ts }, 'b', 'go');
    expect(payloadOf(sent.at(-1)!)).not.toHaveProperty('message');
    expect(payloadOf(sent.at(-1)!).container).toMatchObject({ is_ephemeral: true });
    await expect(ws.act('UMARCO', { channel: 'CSALES', ts: ephemeral.message_ts }, 'b', 'go')).rejects.toThrow(
      'no such message',
    );
  });

  it('sends a message shortcut as message_action and opening Home as app_home_opened', async () => {
    const said = await ws.say('UJANE', 'CSALES', 'Bob wants a demo next week');
    await ws.shortcut('UJANE', 'CSALES', said.ts, 'espo_log_message');
    expect(payloadOf(sent.at(-1)!)).toMatchObject({
      type: 'message_action',
      callback_id: 'espo_log_message',
      message_ts: said.ts,
      channel: { id: 'CSALES' },
      message: { text: 'Bob wants a demo next week', user: 'UJANE' },
    });
    await expect(ws.shortcut('UJANE', 'CSALES', said.ts, 'nope')).rejects.toThrow('no message shortcut');

    await ws.openHome('UJANE');
    expect(eventOf(sent.at(-1)!)).toEqual({
      type: 'app_home_opened',
      user: 'UJANE',
      channel: 'DJANE',
      tab: 'home',
      event_ts: expect.any(String),
    });
    ws.webApi('views.publish', {
      user_id: 'UJANE',
      view: { type: 'home', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Hi' } }] },
    });
    await ws.openHome('UJANE');
    expect(eventOf(sent.at(-1)!).view).toMatchObject({ type: 'home', blocks: [{ type: 'header' }] });
    expect(ws.snapshot('UJANE').home).toMatchObject({ type: 'home' });
    expect(ws.snapshot('UMARCO').home).toBeUndefined();
  });
});

describe('modals', () => {
  const form = {
    type: 'modal',
    callback_id: 'f',
    title: { type: 'plain_text', text: 'New task' },
    submit: { type: 'plain_text', text: 'Create' },
    private_metadata: '{"e":"Task"}',
    blocks: [
      input('name', { type: 'plain_text_input' }),
      input('when', { type: 'datepicker' }, true),
      input(
        'kind',
        { type: 'static_select', options: [{ text: { type: 'plain_text', text: 'Call' }, value: 'call' }] },
        true,
      ),
    ],
  };

  it('opens a view with a trigger good for one use within 3 seconds', async () => {
    await command('x');
    const trigger = sent.at(-1)!.body.trigger_id;
    now += 3_500;
    expect(ws.webApi('views.open', { trigger_id: trigger, view: form })).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
    await command('x');
    const fresh = sent.at(-1)!.body.trigger_id;
    expect(ws.webApi('views.open', { trigger_id: fresh, view: form })).toMatchObject({
      ok: true,
      view: {
        id: expect.stringMatching(/^V/),
        type: 'modal',
        state: { values: { name: { v: { type: 'plain_text_input', value: null } } } },
      },
    });
    expect(ws.webApi('views.open', { trigger_id: fresh, view: form })).toEqual({
      ok: false,
      error: 'exchanged_trigger_id',
    });
    expect(ws.webApi('views.open', { trigger_id: 'made-up', view: form })).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
  });

  it('updates a view by id, refusing a stale hash, and stacks at most three views', async () => {
    const view = await openModal(form);
    expect(ws.webApi('views.update', { view_id: view.id, hash: 'stale', view: form })).toEqual({
      ok: false,
      error: 'hash_conflict',
    });
    expect(
      ws.webApi('views.update', {
        view_id: view.id,
        hash: view.hash,
        view: { ...form, title: { type: 'plain_text', text: 'Edited' } },
      }),
    ).toMatchObject({ ok: true, view: { id: view.id } });
    for (let i = 0; i < 2; i++) {
      await ws.act('UJANE', { viewId: view.id }, 'kind', 'v', 'call');
      expect(ws.webApi('views.push', { trigger_id: payloadOf(sent.at(-1)!).trigger_id, view: form })).toMatchObject({
        ok: true,
      });
    }
    await ws.act('UJANE', { viewId: view.id }, 'kind', 'v', 'call');
    expect(ws.webApi('views.push', { trigger_id: payloadOf(sent.at(-1)!).trigger_id, view: form })).toEqual({
      ok: false,
      error: 'push_limit_reached',
    });
    expect(ws.snapshot('UJANE').modals.map((m) => m.id)[0]).toBe(view.id);
    expect(ws.snapshot('UJANE').modals).toHaveLength(3);
  });

  it('checks required inputs in the client and sends nothing until they are filled', async () => {
    const view = await openModal(form);
    const before = sent.length;
    const shown = await ws.submit('UJANE', view.id, { name: { v: '' } });
    expect(shown?.errors).toEqual({ name: 'Please complete this required field.' });
    expect(sent).toHaveLength(before);
  });

  it('submits every input as state.values and applies the answer: errors, update, push, clear, close', async () => {
    const view = await openModal(form);
    answer = () => ({
      status: 200,
      body: JSON.stringify({ response_action: 'errors', errors: { when: 'Pick a weekday' } }),
    });
    const shown = await ws.submit('UJANE', view.id, {
      name: { v: 'Call Bob' },
      when: { v: '2026-11-28' },
      kind: { v: 'call' },
    });
    const submission = payloadOf(sent.at(-1)!);
    expect(submission).toMatchObject({
      type: 'view_submission',
      user: { id: 'UJANE' },
      view: {
        id: view.id,
        callback_id: 'f',
        private_metadata: '{"e":"Task"}',
        state: {
          values: {
            name: { v: { type: 'plain_text_input', value: 'Call Bob' } },
            when: { v: { type: 'datepicker', selected_date: '2026-11-28' } },
            kind: { v: { type: 'static_select', selected_option: { value: 'call' } } },
          },
        },
      },
    });
    expect(shown?.errors).toEqual({ when: 'Pick a weekday' });

    answer = () => ({
      status: 200,
      body: JSON.stringify({
        response_action: 'update',
        view: { ...form, title: { type: 'plain_text', text: 'Step 2' } },
      }),
    });
    const updated = await ws.submit('UJANE', view.id, { name: { v: 'Call Bob' } });
    expect(updated).toMatchObject({ id: view.id, view: { title: { text: 'Step 2' } } });
    expect(updated!.hash).not.toBe(view.hash);
    expect(updated!.errors).toBeUndefined();

    answer = () => ({ status: 200, body: JSON.stringify({ response_action: 'push', view: form }) });
    await ws.submit('UJANE', view.id, { name: { v: 'Call Bob' } });
    const [, pushed] = ws.snapshot('UJANE').modals;
    expect(pushed).toMatchObject({ previousViewId: view.id, rootViewId: view.id });
    answer = () => ({ status: 200, body: '' });
    expect(await ws.submit('UJANE', pushed!.id, { name: { v: 'x' } })).toBeUndefined();
    expect(ws.snapshot('UJANE').modals.map((m) => m.id)).toEqual([view.id]);

    answer = () => ({ status: 200, body: JSON.stringify({ response_action: 'push', view: form }) });
    await ws.submit('UJANE', view.id, { name: { v: 'Call Bob' } });
    answer = () => ({ status: 200, body: JSON.stringify({ response_action: 'clear' }) });
    await ws.submit('UJANE', ws.snapshot('UJANE').modals[1]!.id, { name: { v: 'x' } });
    expect(ws.snapshot('UJANE').modals).toEqual([]);
  });

  it('shows a problem in the view when the app does not take the submission', async () => {
    const view = await openModal(form);
    answer = () => ({ status: 0, body: 'timeout' });
    expect((await ws.submit('UJANE', view.id, { name: { v: 'x' } }))?.problem).toBe(
      'The submission did not go through: the app did not answer within 3 seconds (timeout). Try again?',
    );
  });

  it('tells the app of a close only when the view asked (notify_on_close)', async () => {
    const quiet = await openModal(form);
    const before = sent.length;
    await ws.close('UJANE', quiet.id);
    expect(sent).toHaveLength(before);
    const loud = await openModal({ ...form, notify_on_close: true });
    await ws.close('UJANE', loud.id);
    expect(payloadOf(sent.at(-1)!)).toMatchObject({ type: 'view_closed', view: { id: loud.id }, is_cleared: false });
    expect(ws.snapshot('UJANE').modals).toEqual([]);
  });

  it("asks the app for an external select's options once enough is typed", async () => {
    const view = await openModal({
      ...form,
      blocks: [input('about', { type: 'external_select', action_id: 'rel', min_query_length: 2 })],
    });
    answer = () => ({
      status: 200,
      body: JSON.stringify({
        option_groups: [
          {
            label: { type: 'plain_text', text: 'Accounts' },
            options: [{ text: { type: 'plain_text', text: 'Acme' }, value: 'Account:1' }],
          },
        ],
      }),
    });
    const before = sent.length;
    expect(await ws.suggest('UJANE', view.id, 'about', 'rel', 'a')).toEqual({ options: [] });
    expect(sent).toHaveLength(before);
    expect(await ws.suggest('UJANE', view.id, 'about', 'rel', 'ac')).toMatchObject({
      option_groups: [{ options: [{ value: 'Account:1' }] }],
    });
    expect(payloadOf(sent.at(-1)!)).toMatchObject({
      type: 'block_suggestion',
      action_id: 'rel',
      block_id: 'about',
      value: 'ac',
      container: { type: 'view', view_id: view.id },
    });
    answer = () => ({ status: 200, body: '' });
    await ws.submit('UJANE', view.id, {
      about: { rel: { text: { type: 'plain_text', text: 'Acme' }, value: 'Account:1' } },
    });
    expect(payloadOf(sent.at(-1)!)).toMatchObject({
      view: {
        state: { values: { about: { rel: { type: 'external_select', selected_option: { value: 'Account:1' } } } } },
      },
    });
  });
});
