import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { buttonNamed, startHarness, textOf, type Harness } from '../support/harness.js';
import { submitView } from '../support/views.js';

type View = {
  id?: string;
  callback_id?: string;
  private_metadata?: string;
  blocks: { type: string; block_id?: string; optional?: boolean; element?: Record<string, unknown> }[];
};

/** A Slack `state.values` entry for one input, shaped as Slack sends it for that element type. */
function stateOf(element: Record<string, unknown>, value: unknown): Record<string, unknown> {
  switch (element.type) {
    case 'static_select':
      return { type: 'static_select', selected_option: value === null ? null : { value } };
    case 'checkboxes':
      return { type: 'checkboxes', selected_options: value ? [{ value: 'true' }] : [] };
    case 'datepicker':
      return { type: 'datepicker', selected_date: value };
    case 'datetimepicker':
      return { type: 'datetimepicker', selected_date_time: value };
    default:
      return { type: element.type, value };
  }
}

describe('record forms (modals from action schemas), end to end', () => {
  let h: Harness;
  let trigger = 0;
  beforeAll(async () => {
    h = await startHarness();
    // Before any request (profiles are cached for an hour): U1 is Jane in EspoCRM.
    h.slack.emails.set('U1', 'jane.smith@example.com');
    await h.command('connect');
  });
  afterAll(() => h.close());

  /** Runs a slash command that opens a form and returns the form view once it has replaced "Loading…". */
  async function formFor(text: string, who: { user?: string; team?: string } = {}): Promise<View> {
    const before = h.slack.calls.filter((c) => c.method === 'views.update').length;
    const ack = await h.post({
      command: '/espo',
      text,
      team_id: who.team ?? 'T1',
      user_id: who.user ?? 'U1',
      channel_id: 'C1',
      response_url: h.slack.responseUrl(`form-${++trigger}`),
      trigger_id: `trigger-form-${trigger}`,
      api_app_id: 'A1',
    });
    expect(ack.status).toBe(200);
    const updates = await h.slack.waitForCalls((c) => c.method === 'views.update', before + 1);
    const opened = h.slack.calls.filter((c) => c.method === 'views.open').at(-1)!;
    expect(opened.body.trigger_id).toBe(`trigger-form-${trigger}`);
    expect(JSON.stringify(opened.body.view)).toContain('Loading the form');
    return updates.at(-1)!.body.view as View;
  }

  /** Submits a form view with values by field name; returns the HTTP ack (its body carries any field errors). */
  async function submit(view: View, values: Record<string, unknown>, who: { user?: string } = {}) {
    const state: Record<string, Record<string, unknown>> = {};
    for (const block of view.blocks) {
      if (block.type !== 'input' || !block.block_id) continue;
      const name = block.block_id.slice(2);
      state[block.block_id] = { v: stateOf(block.element!, name in values ? values[name] : null) };
    }
    return submitView(h, { ...view, id: 'V1' }, state, who);
  }

  const resultFor = async (count: number): Promise<SlackCall> =>
    (
      await h.slack.waitForCalls(
        (c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1' && c.body.user === 'U1',
        count,
      )
    ).at(-1)!;
  const ephemeralCount = () =>
    h.slack.calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.channel === 'C1').length;

  it('draws the create-lead schema as a form: required first, selects, checkbox, email, multiline', async () => {
    const view = await formFor('create lead');
    expect(view.callback_id).toBe('espo_form');
    const inputs = view.blocks.filter((b) => b.type === 'input');
    expect(inputs.length).toBeLessThanOrEqual(100);
    const byName = Object.fromEntries(inputs.map((b) => [b.block_id!.slice(2), b]));
    expect(byName.status!.element!.type).toBe('static_select');
    expect(JSON.stringify(byName.status!.element!.options)).toContain('"value":"In Process"');
    expect(byName.doNotCall!.element!.type).toBe('checkboxes');
    expect(byName.emailAddress!.element!.type).toBe('email_text_input');
    expect(byName.website!.element!.type).toBe('url_text_input');
    expect(byName.opportunityAmount!.element).toMatchObject({ type: 'number_input', is_decimal_allowed: true });
    expect(byName.description!.element).toMatchObject({ type: 'plain_text_input', multiline: true });
    // No ids to type: links to other records are not form fields.
    expect(Object.keys(byName).some((name) => name.endsWith('Id'))).toBe(false);
    // Option text fits Slack's 75 characters; salutation's empty option is gone.
    expect(JSON.stringify(byName.salutationName!.element!.options)).not.toContain('"value":""');
  });

  it('shows field errors inside the form, writes nothing, then creates on a valid submission', async () => {
    const view = await formFor('create lead');
    const leads = h.membrane.tenant('T1').espo.all('Lead').length;
    const invalid = await submit(view, { firstName: 'Ada', emailAddress: 'not-an-email', status: 'New' });
    expect(invalid.body).toMatchObject({ response_action: 'errors' });
    expect(Object.keys(invalid.body!.errors as object)).toEqual(expect.arrayContaining(['f_emailAddress']));
    expect(h.membrane.tenant('T1').espo.all('Lead')).toHaveLength(leads);

    const before = ephemeralCount();
    const valid = await submit(view, {
      firstName: 'Ada',
      lastName: 'Lovelace <3',
      emailAddress: 'ada@example.com',
      status: 'New',
      doNotCall: true,
      opportunityAmount: '1500',
    });
    expect(valid.status).toBe(200);
    expect(valid.body).toBeUndefined();
    const result = await resultFor(before + 1);
    expect(textOf(result.body as never)).toContain('Created lead');
    expect(textOf(result.body as never)).toContain('Lovelace &lt;3');
    const created = h.membrane
      .tenant('T1')
      .espo.all('Lead')
      .find((lead) => lead.lastName === 'Lovelace <3')!;
    const jane = h.membrane
      .tenant('T1')
      .espo.all('User')
      .find((u) => u.userName === 'jsmith')!;
    // The form said it: the new record is the person's.
    expect(JSON.stringify(view.blocks)).toContain('*Assigned to:* you');
    expect(created).toMatchObject({
      firstName: 'Ada',
      emailAddress: 'ada@example.com',
      doNotCall: true,
      opportunityAmount: 1500,
      status: 'New',
      assignedUserId: jane.id,
    });
    const [audit] = await h.app.store.audit.recent('T1', 1);
    expect(audit).toMatchObject({ action: 'create Lead', outcome: 'done' });
  });

  it('pre-fills an update form with the current values and sends only what changed', async () => {
    const deal = h.membrane
      .tenant('T1')
      .espo.all('Opportunity')
      .find((o) => o.stage !== 'Closed Won')!;
    const view = await formFor(`update deal ${deal.id}`);
    const stage = view.blocks.find((b) => b.block_id === 'f_stage')!;
    expect((stage.element!.initial_option as { value: string }).value).toBe(deal.stage);
    expect(view.blocks.find((b) => b.block_id === 'f_name')!.element!.initial_value).toBe(deal.name);
    expect(JSON.stringify(view.blocks)).toContain('Only the fields you change are sent');

    const values: Record<string, unknown> = {};
    for (const block of view.blocks.filter((b) => b.type === 'input')) {
      const element = block.element!;
      values[block.block_id!.slice(2)] =
        (element.initial_option as { value?: string } | undefined)?.value ??
        element.initial_value ??
        element.initial_date ??
        null;
    }
    const before = ephemeralCount();
    await submit(view, { ...values, stage: 'Closed Won' });
    const result = await resultFor(before + 1);
    expect(textOf(result.body as never)).toContain('Updated opportunity');
    expect(h.membrane.tenant('T1').espo.get('Opportunity', String(deal.id))!.stage).toBe('Closed Won');
    const [audit] = await h.app.store.audit.recent('T1', 1);
    expect((audit!.input as { fields: Record<string, unknown> }).fields).toEqual({ stage: 'Closed Won' });
  });

  it('sends only what the person changed, even where the form could not show the current value', async () => {
    const [deal] = h.membrane
      .tenant('T1')
      .espo.seed('Opportunity', [
        { name: 'Odd stage deal', amount: 10, stage: 'Legal Review', closeDate: '2026-12-24' },
      ]);
    const view = await formFor(`update deal ${deal!.id}`);
    // "Legal Review" is no option of the schema's enum, so the menu starts empty.
    expect(view.blocks.find((b) => b.block_id === 'f_stage')!.element!.initial_option).toBeUndefined();
    const shown = Object.fromEntries(
      view.blocks
        .filter((b) => b.type === 'input')
        .map((b) => [
          b.block_id!.slice(2),
          (b.element!.initial_option as { value?: string } | undefined)?.value ??
            b.element!.initial_value ??
            b.element!.initial_date ??
            null,
        ]),
    );
    const before = ephemeralCount();
    await submit(view, { ...shown, name: 'Odd stage deal (renamed)' });
    await resultFor(before + 1);
    const [audit] = await h.app.store.audit.recent('T1', 1);
    expect((audit!.input as { fields: Record<string, unknown> }).fields).toEqual({ name: 'Odd stage deal (renamed)' });
    expect(h.membrane.tenant('T1').espo.get('Opportunity', String(deal!.id))!.stage).toBe('Legal Review');
  });

  it('says so when nothing changed, and writes nothing', async () => {
    const deal = h.membrane.tenant('T1').espo.all('Opportunity')[0]!;
    const view = await formFor(`update deal ${deal.id}`);
    const values = Object.fromEntries(
      view.blocks
        .filter((b) => b.type === 'input')
        .map((b) => [
          b.block_id!.slice(2),
          (b.element!.initial_option as { value?: string } | undefined)?.value ??
            b.element!.initial_value ??
            b.element!.initial_date ??
            null,
        ]),
    );
    const before = ephemeralCount();
    await submit(view, values);
    expect(textOf((await resultFor(before + 1)).body as never)).toContain('Nothing changed');
  });

  it('opens the form from a "New lead" button beside a list', async () => {
    const { reply } = await h.command('list leads');
    const before = h.slack.calls.filter((c) => c.method === 'views.open').length;
    const updates = h.slack.calls.filter((c) => c.method === 'views.update').length;
    await h.click(buttonNamed(reply, 'New lead'), { expectReplies: 0 });
    const [opened] = (await h.slack.waitForCalls((c) => c.method === 'views.open', before + 1)).slice(before);
    expect(opened!.body.trigger_id).toMatch(/^trigger-/);
    const [form] = (await h.slack.waitForCalls((c) => c.method === 'views.update', updates + 1)).slice(updates);
    expect(JSON.stringify(form!.body.view)).toContain('New Lead');
    expect(JSON.stringify(form!.body.view)).toContain('f_lastName');
  });

  it('opens the update form from "Edit" on a record card', async () => {
    const deal = h.membrane.tenant('T1').espo.all('Opportunity')[0]!;
    const { reply } = await h.command(`show deal ${deal.id}`);
    const updates = h.slack.calls.filter((c) => c.method === 'views.update').length;
    await h.click(buttonNamed(reply, 'Edit'), { expectReplies: 0 });
    const [form] = (await h.slack.waitForCalls((c) => c.method === 'views.update', updates + 1)).slice(updates);
    expect(JSON.stringify(form!.body.view)).toContain('Edit Opportunity');
    expect(JSON.stringify(form!.body.view)).toContain(`"initial_value":${JSON.stringify(deal.name)}`);
  });

  it('explains in the modal when an entity has no form, and refuses forged metadata', async () => {
    const view = await formFor('create CProject');
    expect(JSON.stringify(view)).toContain('I have no form for');
    const forged = await submit(
      { ...view, callback_id: 'espo_form', private_metadata: '{"o":"delete","e":"Lead"}', blocks: [] },
      {},
    );
    expect(forged.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(forged.body)).toContain('no longer valid');
  });

  it('keeps the connect link from people who may not connect the shared workspace', async () => {
    h.membrane.tenant('T7').ensureState = { state: 'CLIENT_ACTION_REQUIRED', uiUrl: 'https://connect.example/t7' };
    const view = await formFor('create lead', { team: 'T7', user: 'U7' });
    expect(JSON.stringify(view)).toContain('Ask a Slack workspace admin');
    expect(JSON.stringify(view)).not.toContain('connect.example');
  });
});
