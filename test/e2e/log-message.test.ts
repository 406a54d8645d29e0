import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStreamNotes } from '../../fakes/espocrm/sample.js';
import { startHarness, textOf, type Harness } from '../support/harness.js';
import { submitView } from '../support/views.js';

type View = {
  callback_id?: string;
  private_metadata?: string;
  blocks: { type: string; block_id?: string; element?: Record<string, unknown> }[];
};

describe('"Log to EspoCRM" message shortcut, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // Before any request: the bot caches a person's Slack profile for an hour.
    h.slack.emails.set('U1', 'jane.smith@example.com');
    await h.command('connect');
    defineStreamNotes(h.membrane.tenant('T1').espo);
  });
  afterAll(() => h.close());

  async function openShortcut(text: string): Promise<View> {
    const before = h.slack.calls.filter((c) => c.method === 'views.open').length;
    const ack = await h.post({
      payload: JSON.stringify({
        type: 'message_action',
        callback_id: 'espo_log_message',
        trigger_id: 'trigger-log',
        team: { id: 'T1', domain: 'test' },
        user: { id: 'U1', username: 'alice', team_id: 'T1' },
        channel: { id: 'C1', name: 'sales' },
        message_ts: '1700000000.000100',
        message: { type: 'message', user: 'U2', ts: '1700000000.000100', text },
        response_url: h.slack.responseUrl('log'),
        token: 'legacy',
      }),
    });
    expect(ack.status).toBe(200);
    const [opened] = (await h.slack.waitForCalls((c) => c.method === 'views.open', before + 1)).slice(before);
    return opened!.body.view as View;
  }

  const logState = (values: { kind: string; subject: string; body: string; related?: string }) => ({
    f_related: {
      espo_related: { type: 'external_select', selected_option: values.related ? { value: values.related } : null },
    },
    f_kind: { v: { type: 'static_select', selected_option: { value: values.kind } } },
    f_subject: { v: { type: 'plain_text_input', value: values.subject } },
    f_body: { v: { type: 'plain_text_input', value: values.body } },
  });

  async function submit(view: View, values: { kind: string; subject: string; body: string; related?: string }) {
    return (await submitView(h, { ...view, id: 'VLOG' }, logState(values))).body;
  }

  const results = () =>
    h.slack.calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1')
      .length;

  it('opens a form filled from the message', async () => {
    const view = await openShortcut(
      'Acme wants <https://acme.example.com|a quote> by Friday. Budget is 20k &amp; growing.',
    );
    expect(view.callback_id).toBe('espo_log');
    const subject = view.blocks.find((b) => b.block_id === 'f_subject')!.element!;
    expect(subject.initial_value).toBe('Acme wants https://acme.example.com by Friday.');
    const body = view.blocks.find((b) => b.block_id === 'f_body')!.element!;
    expect(body.initial_value).toContain('Budget is 20k & growing.');
    expect(view.blocks.find((b) => b.block_id === 'f_related')!.element).toMatchObject({
      type: 'external_select',
      min_query_length: 2,
    });
  });

  it('searches accounts, contacts, leads and deals as the person types', async () => {
    const ack = await h.post({
      payload: JSON.stringify({
        type: 'block_suggestion',
        action_id: 'espo_related',
        block_id: 'f_related',
        value: 'Acme',
        team: { id: 'T1', domain: 'test' },
        user: { id: 'U1', username: 'alice', team_id: 'T1' },
        api_app_id: 'A1',
        container: { type: 'view', view_id: 'VLOG' },
        view: { id: 'VLOG', type: 'modal', callback_id: 'espo_log' },
        token: 'legacy',
      }),
    });
    const { option_groups: groups } = JSON.parse(ack.body) as {
      option_groups: { label: { text: string }; options: { text: { text: string }; value: string }[] }[];
    };
    const accounts = groups.find((g) => g.label.text === 'Accounts')!;
    const acme = h.membrane
      .tenant('T1')
      .espo.all('Account')
      .find((a) => a.name === 'Acme Corp')!;
    expect(accounts.options).toContainEqual({
      text: { type: 'plain_text', text: 'Acme Corp' },
      value: `Account:${acme.id}`,
    });
    expect(groups.every((g) => g.options.length <= 5)).toBe(true);
  });

  it('asks for a record before saving a note, then saves it on the record with a link to the message', async () => {
    const view = await openShortcut('Discussed pricing with Acme.');
    const acme = h.membrane
      .tenant('T1')
      .espo.all('Account')
      .find((a) => a.name === 'Acme Corp')!;
    const missing = await submit(view, { kind: 'Note', subject: 'Pricing', body: 'Discussed pricing with Acme.' });
    expect(missing).toMatchObject({
      response_action: 'errors',
      errors: { f_related: expect.stringContaining('A note belongs on a record') },
    });

    const before = results();
    expect(
      await submit(view, {
        kind: 'Note',
        subject: 'Pricing',
        body: 'Discussed pricing with Acme.',
        related: `Account:${acme.id}`,
      }),
    ).toBeUndefined();
    await h.slack.waitForCalls(
      (c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1',
      before + 1,
    );
    const note = h.membrane.tenant('T1').espo.all('Note').at(-1)!;
    expect(note).toMatchObject({ type: 'Post', parentType: 'Account', parentId: acme.id });
    // A Note has no subject of its own: the one the person wrote leads the post, in bold.
    expect(String(note.post)).toMatch(/^\*\*Pricing\*\*\n\nDiscussed pricing with Acme\./);
    expect(String(note.post)).toContain('From Slack: https://test.slack.com/archives/C1/p1700000000000100');
    const [audit] = await h.app.store.audit.recent('T1', 1);
    expect(audit).toMatchObject({ action: 'POST /Note', outcome: 'done' });
  });

  it('never hands a non-admin the connect link of a workspace that is not connected', async () => {
    h.membrane.tenant('T8').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/leak' };
    // An email to look up: the task's assignee is looked for in EspoCRM, which is not connected.
    h.slack.emails.set('U8', 'someone@example.com');
    const view = await openShortcut('Please follow up.');
    await submitView(
      h,
      { ...view, id: 'VLOG8' },
      logState({ kind: 'Task', subject: 'Follow up', body: 'Please follow up.' }),
      { team: 'T8', user: 'U8' },
    );
    const [reply] = await h.slack.waitForCalls((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U8');
    expect(textOf(reply!.body as never)).toContain('Ask a Slack workspace admin');
    expect(JSON.stringify(reply!.body)).not.toContain('connect.example');
  });

  it('logs a held call assigned to the person, linked to the contact', async () => {
    const jane = h.membrane
      .tenant('T1')
      .espo.all('User')
      .find((u) => u.emailAddress === 'jane.smith@example.com')!;
    const contact = h.membrane.tenant('T1').espo.all('Contact')[0]!;
    const view = await openShortcut('Called them about the renewal.');
    const before = results();
    await submit(view, {
      kind: 'Call',
      subject: 'Renewal call',
      body: 'Called them about the renewal.',
      related: `Contact:${contact.id}`,
    });
    const [result] = (
      await h.slack.waitForCalls(
        (c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1',
        before + 1,
      )
    ).slice(before);
    expect(textOf(result!.body as never)).toContain('Created call');
    const call = h.membrane
      .tenant('T1')
      .espo.all('Call')
      .find((c) => c.name === 'Renewal call')!;
    expect(call).toMatchObject({
      status: 'Held',
      direction: 'Outbound',
      parentType: 'Contact',
      parentId: contact.id,
      assignedUserId: jane.id,
    });
  });

  it('saves a task assigned to the person, linked to the lead, with the text and a link to the message', async () => {
    const jane = h.membrane
      .tenant('T1')
      .espo.all('User')
      .find((u) => u.emailAddress === 'jane.smith@example.com')!;
    const lead = h.membrane.tenant('T1').espo.all('Lead')[0]!;
    const view = await openShortcut('Can you send them the brochure?');
    const before = results();
    await submit(view, {
      kind: 'Task',
      subject: 'Send the brochure',
      body: 'Can you send them the brochure?',
      related: `Lead:${lead.id}`,
    });
    const [result] = (
      await h.slack.waitForCalls(
        (c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1',
        before + 1,
      )
    ).slice(before);
    expect(textOf(result!.body as never)).toContain('Created task');
    const task = h.membrane
      .tenant('T1')
      .espo.all('Task')
      .find((t) => t.name === 'Send the brochure')!;
    expect(task).toMatchObject({
      status: 'Not Started',
      parentType: 'Lead',
      parentId: lead.id,
      assignedUserId: jane.id,
    });
    expect(String(task.description)).toContain('Can you send them the brochure?');
    expect(String(task.description)).toContain('From Slack: https://test.slack.com/archives/C1/p1700000000000100');
  });

  it('says, and saves nothing, when a task cannot be assigned to the person logging it', async () => {
    h.slack.emails.set('U9', 'stranger@example.com');
    const before = h.membrane.tenant('T1').espo.all('Task').length;
    const view = await openShortcut('Please follow up.');
    await submitView(
      h,
      { ...view, id: 'VLOG9' },
      logState({ kind: 'Task', subject: 'Follow up', body: 'Please follow up.' }),
      { user: 'U9' },
    );
    const [reply] = await h.slack.waitForCalls((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U9');
    expect(textOf(reply!.body as never)).toContain(
      'A task in EspoCRM has to be assigned to someone, and no EspoCRM user has your Slack email (`stranger@example.com`)',
    );
    expect(h.membrane.tenant('T1').espo.all('Task')).toHaveLength(before);
  });

  it('saves a note on a deal', async () => {
    const deal = h.membrane.tenant('T1').espo.all('Opportunity')[0]!;
    const view = await openShortcut('They signed the order form.');
    const before = results();
    await submit(view, {
      kind: 'Note',
      subject: 'Signed',
      body: 'They signed the order form.',
      related: `Opportunity:${deal.id}`,
    });
    await h.slack.waitForCalls(
      (c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1',
      before + 1,
    );
    const note = h.membrane.tenant('T1').espo.all('Note').at(-1)!;
    expect(note).toMatchObject({ type: 'Post', parentType: 'Opportunity', parentId: deal.id });
    expect(String(note.post)).toMatch(/^\*\*Signed\*\*\n\nThey signed the order form\./);
  });
});
