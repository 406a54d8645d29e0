import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { SITE_URL, buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';
import { submitView } from '../support/views.js';
import { waitForLogs } from '../support/wait.js';

const JANE = 'jane.smith@example.com';

/** A click on a Home tab button, as Slack sends it: from the view, with no channel and no response_url. */
function homeClick(actionId: string, user: string) {
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    container: { type: 'view', view_id: 'VHOME' },
    view: { id: 'VHOME', type: 'home', callback_id: 'espo_home', blocks: [] },
    trigger_id: 'trigger-home',
    actions: [
      { type: 'button', block_id: 'b', action_id: actionId, action_ts: '1.3', text: { type: 'plain_text', text: 'x' } },
    ],
  };
}

interface PublishedView {
  type: string;
  blocks: unknown[];
}

describe('App Home', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const publishesFor = (user: string) => (call: SlackCall) =>
    call.method === 'views.publish' && call.body.user_id === user;

  /** Opens the Home tab as `user` and returns the view the bot published for them. */
  async function openHome(harness: Harness, user: string, tab = 'home'): Promise<PublishedView> {
    const before = harness.slack.calls.filter(publishesFor(user)).length;
    const sent = await harness.sendEvent({
      type: 'app_home_opened',
      user,
      channel: `D${user}`,
      tab,
      event_ts: '1800000000.000100',
    });
    expect(sent.status).toBe(200);
    const calls = await harness.slack.waitForCalls(publishesFor(user), before + 1);
    return calls[before]!.body.view as PublishedView;
  }

  /** Clicks a button in the Home tab as Slack sends it: from a view, with no channel and no response_url. */
  async function clickInHome(harness: Harness, actionId: string, user: string): Promise<void> {
    const ack = await harness.post({ payload: JSON.stringify(homeClick(actionId, user)) });
    expect(ack.status).toBe(200);
  }

  /** Waits for a log line (it is written once Slack has answered views.publish). */
  async function logged(harness: Harness, match: (line: Record<string, unknown>) => boolean): Promise<void> {
    await waitForLogs(harness.logs, match, 1, 2000);
  }

  /** Jane's open tasks as the fake EspoCRM has them, soonest due first (undated last). */
  function janesOpenTasks(harness: Harness): { id: string; name: string }[] {
    const espo = harness.membrane.tenant('T1').espo;
    const jane = espo.all('User').find((user) => user.emailAddress === JANE)!;
    return espo
      .all('Task')
      .filter((task) => task.assignedUserId === jane.id && !['Completed', 'Canceled'].includes(String(task.status)))
      .sort((a, b) =>
        a.dateEnd == null ? 1 : b.dateEnd == null ? -1 : String(a.dateEnd).localeCompare(String(b.dateEnd)),
      )
      .slice(0, 10)
      .map((task) => ({ id: String(task.id), name: String(task.name) }));
  }

  it("shows a connected person's open tasks, soonest first, their upcoming meetings and the quick buttons", async () => {
    h = await startHarness();
    // Before anything asks users.info: the bot remembers a profile for an hour.
    h.slack.emails.set('U1', JANE);
    await h.command('connect');
    const espo = h.membrane.tenant('T1').espo;
    const janeId = espo.all('User').find((user) => user.emailAddress === JANE)!.id;
    const inTwoWeeks = new Date(Date.now() + 14 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    espo.seed('Task', [
      {
        name: '<!channel> *urgent* <http://evil|click>',
        status: 'Started',
        dateEnd: inTwoWeeks,
        assignedUserId: janeId,
        priority: 'Normal',
      },
    ]);

    const view = await openHome(h, 'U1');

    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = textOf(view);
    const expected = janesOpenTasks(h);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const positions = expected.map((task) => text.indexOf(`${SITE_URL}/#Task/view/${task.id}|`));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const task of expected.filter((t) => !t.name.includes('<'))) expect(text).toContain(task.name);
    // Nobody else's tasks, and no closed ones.
    expect(text).not.toContain('Send proposal to Globex');
    expect(text).not.toContain('Prepare Acme renewal quote');
    // CRM text is escaped: no channel ping, no spoofed link.
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http://evil');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('Overdue');

    expect(text).toContain('Acme quarterly business review');
    expect(text).not.toContain('Globex discovery session');
    expect(text).toContain('Connected to EspoCRM');
    const actionIds = buttonsOf(view).map((b) => b.action_id);
    expect(actionIds).toEqual(expect.arrayContaining(['espo_home_new_lead', 'espo_home_new_task', 'espo_home_search']));
    expect(buttonsOf(view).some((b) => b.url)).toBe(false);
    await logged(h, (line) => line.msg === 'home published' && line.outcome === 'lists');

    // Warm: the status check and the two lists, nothing else (the EspoCRM user is remembered).
    h.membrane.resetCalls();
    await openHome(h, 'U1');
    const id = h.membrane.tenant('T1').connection!.id;
    expect(h.membrane.calls.map((call) => `${call.method} ${call.path}`).sort()).toEqual(
      [`GET /connections/${id}`, `GET /connections/${id}/proxy/Meeting`, `GET /connections/${id}/proxy/Task`].sort(),
    );
  });

  it('shows a member of an unconnected workspace the status and "ask an admin", never the link; an admin gets Connect', async () => {
    h = await startHarness();
    h.membrane.tenant('T1').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/shared' };
    h.slack.admins.add('UADMIN');
    await h.command('connect', { user: 'U2' });
    h.membrane.resetCalls();

    const member = await openHome(h, 'U2');
    expect(textOf(member)).toContain('Ask a Slack workspace admin');
    expect(JSON.stringify(member)).not.toContain('connect.example');
    expect(buttonsOf(member)).toEqual([]);

    const admin = await openHome(h, 'UADMIN');
    const connect = buttonsOf(admin).find((b) => b.text.includes('Connect EspoCRM'));
    expect(connect?.url).toBe('https://connect.example/shared');
    expect(connect?.action_id).toMatch(/^espo_open/);
    expect(textOf(admin)).toContain('only shown to you');
    // Opening Home only looks: no ensure, no lists.
    expect(h.membrane.calls.every((call) => call.method === 'GET' && /^\/connections(\/[^/]+)?$/.test(call.path))).toBe(
      true,
    );

    // Slack still sends the link click; the existing link listener acknowledges it.
    const click = await h.click({ action_id: connect!.action_id }, { user: 'UADMIN', expectReplies: 0 });
    expect(click.ack.status).toBe(200);
  });

  it('offers an admin of a workspace with no connection a Connect button that runs /espo connect: the link comes to their DM, and Home shows it', async () => {
    h = await startHarness();
    h.slack.admins.add('U1');
    h.membrane.tenant('T1').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/new' };
    const view = await openHome(h, 'U1');
    expect(textOf(view)).toContain('not connected yet');
    expect(textOf(view)).toContain('/espo connect');
    const connect = buttonNamed(view, 'Connect EspoCRM');
    expect(connect).toMatchObject({ action_id: 'espo_home_connect', url: undefined });
    // Opening Home never starts a connection; only the click does.
    expect(h.membrane.calls.some((call) => call.path === '/connections/ensure')).toBe(false);

    const published = h.slack.calls.filter(publishesFor('U1')).length;
    await clickInHome(h, connect.action_id, 'U1');
    const [dm] = await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'U1');
    expect(buttonNamed(dm!.body as never, 'Connect EspoCRM').url).toBe('https://connect.example/new');
    expect(textOf(dm!.body as never)).toContain('only shown to you');
    expect(h.membrane.calls.filter((call) => call.path === '/connections/ensure')).toHaveLength(1);
    // The link went to the admin alone: no channel, no other person.
    expect(
      h.slack.calls.some(
        (c) => JSON.stringify(c.body).includes('connect.example') && c.body.channel !== 'U1' && c.body.user_id !== 'U1',
      ),
    ).toBe(false);

    const [again] = (await h.slack.waitForCalls(publishesFor('U1'), published + 1)).slice(published);
    const home = again!.body.view as PublishedView;
    expect(buttonNamed(home, 'Connect EspoCRM')).toMatchObject({
      action_id: 'espo_open_home_connect',
      url: 'https://connect.example/new',
    });
  });

  it('never offers a member Connect, and a forged click gets them "ask an admin", never the link', async () => {
    h = await startHarness();
    h.membrane.tenant('T1').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/forged' };
    const view = await openHome(h, 'U2');
    expect(textOf(view)).toContain('Ask a Slack workspace admin');
    expect(buttonsOf(view)).toEqual([]);

    const published = h.slack.calls.filter(publishesFor('U2')).length;
    await clickInHome(h, 'espo_home_connect', 'U2');
    const [dm] = await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'U2');
    expect(textOf(dm!.body as never)).toContain('Ask a Slack workspace admin');
    const [again] = (await h.slack.waitForCalls(publishesFor('U2'), published + 1)).slice(published);
    expect(buttonsOf(again!.body.view as PublishedView)).toEqual([]);
    expect(JSON.stringify(h.slack.calls)).not.toContain('connect.example');
  });

  it('offers anyone Connect when each person has their own connection', async () => {
    h = await startHarness({ env: { CONNECTION_SCOPE: 'user' } });
    expect(buttonNamed(await openHome(h, 'U2'), 'Connect EspoCRM').action_id).toBe('espo_home_connect');
  });

  it('offers an admin Reconnect when the connection failed', async () => {
    h = await startHarness();
    h.slack.admins.add('U1');
    h.membrane.tenant('T1').ensureState = { state: 'SETUP_FAILED', message: 'EspoCRM rejected the API key' };
    await h.command('connect');
    const view = await openHome(h, 'U1');
    expect(textOf(view)).toContain('EspoCRM rejected the API key');
    expect(buttonNamed(view, 'Reconnect EspoCRM').action_id).toBe('espo_home_connect');
    expect(buttonsOf(await openHome(h, 'U2'))).toEqual([]);
  });

  it('says it cannot match the EspoCRM user without an email, and still shows the status and buttons', async () => {
    h = await startHarness();
    await h.command('connect');
    const view = await openHome(h, 'U3');
    const text = textOf(view);
    expect(text).toContain('users:read.email');
    expect(text).toContain('Connected to EspoCRM');
    expect(buttonsOf(view).map((b) => b.action_id)).toEqual([
      'espo_home_new_lead',
      'espo_home_new_task',
      'espo_home_search',
    ]);
  });

  it('says so when no EspoCRM user has the email', async () => {
    h = await startHarness();
    await h.command('connect');
    h.slack.emails.set('U4', 'stranger@example.com');
    expect(textOf(await openHome(h, 'U4'))).toContain('no EspoCRM user has your Slack email (stranger@example.com)');
  });

  it('shows a polite error in the tab when EspoCRM fails, and logs it', async () => {
    h = await startHarness();
    // Before anything asks users.info: the bot remembers a profile for an hour.
    h.slack.emails.set('U1', JANE);
    await h.command('connect');
    h.membrane.failNext(
      { pathPrefix: `/connections/${h.membrane.tenant('T1').connection!.id}/proxy/Task`, times: 3 },
      { status: 500 },
    );
    const view = await openHome(h, 'U1');
    expect(textOf(view)).toContain('could not load your tasks and meetings');
    expect(textOf(view)).toContain('Connected to EspoCRM');
    await logged(h, (line) => line.kind === 'home' && line.outcome === 'error' && line.level === 40);
  });

  it('publishes nothing for the Messages tab', async () => {
    h = await startHarness();
    await h.sendEvent({
      type: 'app_home_opened',
      user: 'U5',
      channel: 'DU5',
      tab: 'messages',
      event_ts: '1800000000.000200',
    });
    // A Home open sent after it is published; by then the Messages one would have been too.
    await openHome(h, 'U6');
    expect(h.slack.calls.filter(publishesFor('U5'))).toEqual([]);
  });
});

describe('App Home quick buttons', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it.each([
    ['espo_home_new_lead', 'New Lead', 'f_lastName'],
    ['espo_home_new_task', 'New Task', 'f_name'],
  ])('%s opens the create form', async (actionId, title, field) => {
    h = await startHarness();
    h.slack.emails.set('U1', JANE);
    await h.command('connect');
    const ack = await h.post({ payload: JSON.stringify(homeClick(actionId, 'U1')) });
    expect(ack.status).toBe(200);
    const [opened] = await h.slack.waitForCalls((c) => c.method === 'views.open');
    expect(opened!.body.trigger_id).toBe('trigger-home');
    const [updated] = await h.slack.waitForCalls((c) => c.method === 'views.update');
    const form = updated!.body.view as {
      callback_id: string;
      title: { text: string };
      blocks: { block_id?: string }[];
    };
    expect(form.callback_id).toBe('espo_form');
    expect(form.title.text).toBe(title);
    expect(form.blocks.map((block) => block.block_id)).toContain(field);
    // New records are the person's: the form says so.
    expect(textOf(form as never)).toContain('*Assigned to:* you');
  });

  it('New Task says, instead of a form, that a task needs an assignee the bot cannot find for the person', async () => {
    h = await startHarness();
    h.slack.emails.set('U1', 'stranger@example.com');
    await h.command('connect');
    await h.post({ payload: JSON.stringify(homeClick('espo_home_new_task', 'U1')) });
    const [updated] = await h.slack.waitForCalls((c) => c.method === 'views.update');
    const view = updated!.body.view as { callback_id?: string };
    expect(view.callback_id).not.toBe('espo_form');
    expect(textOf(view as never)).toContain('no EspoCRM user has your Slack email (`stranger@example.com`)');
  });

  it("Search opens a form and posts the matching records to the person's DM, with paging", async () => {
    h = await startHarness();
    await h.command('connect');
    await h.click({ action_id: 'espo_home_search', value: '' }, { expectReplies: 0 });
    const [opened] = await h.slack.waitForCalls((c) => c.method === 'views.open');
    const view = opened!.body.view as { callback_id: string; blocks: { block_id: string }[] };
    expect(view.callback_id).toBe('espo_search');
    const submitted = await submitView(h, view, {
      f_entity: { v: { type: 'static_select', selected_option: { value: 'Account' } } },
      f_text: { v: { type: 'plain_text_input', value: 'Acme' } },
    });
    expect(submitted.body).toBeUndefined();
    const [dm] = await h.slack.waitForCalls((c) => c.method === 'chat.postMessage' && c.body.channel === 'U1');
    expect(textOf(dm!.body as never)).toContain('Acme Corp');
    expect(buttonsOf(dm!.body as never).map((b) => b.text)).toContain('Share in channel');
  });
});
