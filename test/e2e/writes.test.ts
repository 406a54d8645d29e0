import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';

/** Writes wait for the requester's Confirm: previewed exactly, run once, audited. */
describe('/espo writes, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // Before any command (profiles are cached for an hour): U1 is Jane in EspoCRM, found by email.
    h.slack.emails.set('U1', 'jane.smith@example.com');
    await h.command('connect');
  });
  afterAll(() => h.close());
  beforeEach(() => h.membrane.resetCalls());

  const espo = () => h.membrane.tenant('T1').espo;
  // Actions run by POST: a list action (the person's EspoCRM user, found by email) only reads.
  const writes = () =>
    h.membrane.calls.filter(
      (c) => c.method !== 'GET' && !c.path.startsWith('/connections/ensure') && !/^\/actions\/list-/.test(c.path),
    );

  it('previews a create, writes nothing until Confirm, then creates once and audits it', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('create task name="Call Bob" dateEnd=2026-12-01 priority=High');
    const preview = textOf(reply);
    expect(preview).toContain('Create a new task?');
    expect(preview).toContain('Call Bob');
    expect(preview).toContain('2026-12-01');
    // EspoCRM requires a task's assignee and gives an API user's records none: the person is it.
    expect(preview).toContain('*Assigned to:* you');
    const jane = espo()
      .all('User')
      .find((u) => u.emailAddress === 'jane.smith@example.com')!;
    expect(writes()).toHaveLength(0);
    expect(espo().all('Task')).toHaveLength(before);

    const confirm = buttonNamed(reply, 'Confirm');
    const done = await h.click(confirm, { responseId });
    expect(done.replies[0]!.replace_original).toBe(true);
    expect(textOf(done.replies[0]!)).toContain('Created task');
    expect(espo().all('Task')).toHaveLength(before + 1);
    expect(
      espo()
        .all('Task')
        .find((task) => task.name === 'Call Bob'),
    ).toMatchObject({ priority: 'High', assignedUserId: jane.id });

    // A second click (double click, or a replayed payload) writes nothing more.
    const again = await h.click(confirm, { responseId });
    expect(textOf(again.replies[0]!)).toContain('already confirmed or cancelled');
    expect(espo().all('Task')).toHaveLength(before + 1);

    const audit = await h.app.store.audit.recent('T1', 5);
    expect(audit[0]).toMatchObject({ action: 'create Task', outcome: 'done', userId: 'U1' });
  });

  it('says what to add, before anything is sent, when a task cannot be assigned to the person asking', async () => {
    // U3 has no email Slack shares, so the bot cannot tell who they are in EspoCRM.
    const before = espo().all('Task').length;
    const { reply } = await h.command('create task name="Call Bob"', { user: 'U3' });
    const text = textOf(reply);
    expect(text).toContain('A task in EspoCRM has to be assigned to someone');
    expect(text).toContain('`assignedUserId=&lt;their EspoCRM user id&gt;`');
    expect(buttonsOf(reply)).toHaveLength(0);
    expect(writes()).toHaveLength(0);

    // Naming someone works: the preview says who, by name.
    const marco = espo()
      .all('User')
      .find((u) => u.userName === 'mlopez')!;
    const named = await h.command(`create task name="Call Bob" assignedUserId=${marco.id}`, { user: 'U3' });
    expect(textOf(named.reply)).toContain('*Assigned to:* Marco Lopez');
    await h.click(buttonNamed(named.reply, 'Confirm'), { user: 'U3', responseId: named.responseId });
    expect(espo().all('Task')).toHaveLength(before + 1);
    expect(espo().all('Task').at(-1)).toMatchObject({ name: 'Call Bob', assignedUserId: marco.id });
  });

  it('writes once when Confirm is clicked twice at the same moment', async () => {
    const before = espo().all('Account').length;
    const { reply, responseId } = await h.command('create account name="Simultaneous Ltd"');
    const confirm = buttonNamed(reply, 'Confirm');
    const [a, b] = await Promise.all([
      h.click(confirm, { responseId, expectReplies: 1 }),
      h.click(confirm, { responseId: `${responseId}-b` }),
    ]);
    const texts = [textOf(a.replies[0]!), textOf(b.replies[0]!)];
    expect(texts.filter((t) => t.includes('Created account'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('already confirmed'))).toHaveLength(1);
    expect(espo().all('Account')).toHaveLength(before + 1);
  });

  it('only the requester can confirm', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('create task name="Not yours"');
    const attempt = await h.click(buttonNamed(reply, 'Confirm'), { user: 'U2', responseId });
    expect(textOf(attempt.replies[0]!)).toContain('Only the person who asked');
    expect(attempt.replies[0]!.replace_original).toBe(false);
    expect(espo().all('Task')).toHaveLength(before);
    const own = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(own.replies[0]!)).toContain('Created task');
  });

  it('cancel writes nothing and the preview cannot be confirmed afterwards', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('create task name="Never mind"');
    const cancelled = await h.click(buttonNamed(reply, 'Cancel'), { responseId });
    expect(textOf(cancelled.replies[0]!)).toContain('Cancelled. Nothing was written.');
    const late = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(late.replies[0]!)).toContain('already confirmed or cancelled');
    expect(espo().all('Task')).toHaveLength(before);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('an expired confirmation writes nothing', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('create task name="Too late"');
    const confirm = buttonNamed(reply, 'Confirm');
    await h.app.store.db
      .updateTable('pending_writes')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', confirm.value!)
      .execute();
    const late = await h.click(confirm, { responseId });
    expect(textOf(late.replies[0]!)).toContain('expired');
    expect(espo().all('Task')).toHaveLength(before);
  });

  it('a confirmation survives a restart because it is stored', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('create task name="Across a deploy"');
    await h.restart();
    const done = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(done.replies[0]!)).toContain('Created task');
    expect(espo().all('Task')).toHaveLength(before + 1);
  });

  it('stores what was typed, although Slack sends it HTML-escaped', async () => {
    const { reply, responseId } = await h.command('create account name="Tom & Jerry <Toons>"');
    await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(
      espo()
        .all('Account')
        .some((a) => a.name === 'Tom & Jerry <Toons>'),
    ).toBe(true);
  });

  it('treats an action Membrane types as find-or-create as a write, whatever its key says', async () => {
    const tenant = h.membrane.tenant('T1');
    const template = tenant.actions.find((a) => a.key === 'create-contact')!;
    tenant.actions.push({
      ...template,
      id: 'act_foc',
      key: 'find-or-create-contact',
      name: 'Find or create contact',
      type: 'find-or-create-data-record' as never,
    });
    await h.app.store.connections.put('T1', { connectionId: tenant.connection!.id, state: 'READY' });
    await h.app.store.db.updateTable('tenant_connections').set({ catalog_fetched_at: null }).execute();
    const { reply } = await h.command('run find-or-create-contact {"fields": {"lastName": "Doe"}}');
    expect(textOf(reply)).toContain('Run `find-or-create-contact`');
    expect(buttonNamed(reply, 'Confirm')).toBeTruthy();
  });

  it('previews an update as old → new and applies it', async () => {
    const lead = espo()
      .all('Lead')
      .find((l) => l.status === 'New')!;
    const { reply, responseId } = await h.command(`update lead ${lead.id} status="In Process"`);
    expect(textOf(reply)).toContain('New → In Process');
    expect(espo().get('Lead', String(lead.id))!.status).toBe('New');
    const done = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(done.replies[0]!)).toContain('Updated lead');
    expect(espo().get('Lead', String(lead.id))!.status).toBe('In Process');
  });

  it('deletes through the proxy when no delete action exists, after confirm', async () => {
    const meeting = espo().all('Meeting')[0]!;
    const { reply, responseId } = await h.command(`delete meeting ${meeting.id}`);
    expect(textOf(reply)).toContain(`Delete meeting “${meeting.name}”?`);
    await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(espo().get('Meeting', String(meeting.id))).toBeUndefined();
    expect(h.membrane.calls.some((c) => c.method === 'DELETE' && c.path.endsWith(`/proxy/Meeting/${meeting.id}`))).toBe(
      true,
    );
  });

  it('reports duplicates EspoCRM finds, listing them, and creates nothing', async () => {
    const existing = espo()
      .all('Account')
      .find((a) => String(a.name).includes('Acme'))!;
    const before = espo().all('Account').length;
    const { reply, responseId } = await h.command(`create account name="${existing.name}"`);
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    const text = textOf(result.replies[0]!);
    expect(text).toContain('already has an account like this');
    expect(text).toContain(String(existing.id));
    expect(espo().all('Account')).toHaveLength(before);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({ outcome: 'failed', detail: 'duplicate' });
  });

  it("shows EspoCRM's validation errors in words", async () => {
    const { reply, responseId } = await h.command('create opportunity name="No amount"');
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(result.replies[0]!)).toMatch(/`(amount|closeDate)` is required|did not accept/);
  });

  it('runs a write action only after confirm, with the input validated first', async () => {
    const before = espo().all('Task').length;
    const { reply, responseId } = await h.command('run create-task {"fields": {"name": "From run"}}');
    expect(textOf(reply)).toContain('Run `create-task`');
    expect(textOf(reply)).toContain('*Assigned to:* you');
    expect(espo().all('Task')).toHaveLength(before);
    await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(
      espo()
        .all('Task')
        .some((t) => t.name === 'From run'),
    ).toBe(true);
  });

  it('sends non-GET api requests only after confirm', async () => {
    const { reply, responseId } = await h.command('api POST /Case {"name": "Printer on fire", "priority": "Urgent"}');
    expect(textOf(reply)).toContain('Send `POST /Case` to EspoCRM?');
    expect(
      espo()
        .all('Case')
        .some((c) => c.name === 'Printer on fire'),
    ).toBe(false);
    await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(
      espo()
        .all('Case')
        .some((c) => c.name === 'Printer on fire'),
    ).toBe(true);
  });

  it('a write whose outcome is unknown says so and is not retried', async () => {
    const { reply, responseId } = await h.command('create task name="Maybe"');
    h.membrane.resetCalls();
    h.membrane.failNext(
      { method: 'POST', pathPrefix: '/actions/create-task/run' },
      { status: 200, dropConnection: true },
    );
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(result.replies[0]!)).toContain('cannot tell whether');
    expect(h.membrane.calls.filter((c) => c.path === '/actions/create-task/run')).toHaveLength(1);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({ outcome: 'unknown' });
  });
});
