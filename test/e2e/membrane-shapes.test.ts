import { afterEach, describe, expect, it } from 'vitest';
import { buttonNamed, startHarness, textOf, type Harness } from '../support/harness.js';

const JANE = 'jane.smith@example.com';

/**
 * What the real Membrane may do differently from the fake's defaults (issue 12, item 7): actions
 * without a type or with one that says nothing about writing, list actions without a page size,
 * an intent search newer than the cached catalog, a connection error after a write started.
 */
describe('Membrane as it may really be', () => {
  let h: Harness;
  afterEach(() => h.close());

  const runCalls = (key: string) => h.membrane.calls.filter((c) => c.path === `/actions/${key}/run`);

  it('without action types, reads by key run at once and everything else waits for Confirm', async () => {
    h = await startHarness();
    const tenant = h.membrane.tenant('T1');
    tenant.setCatalog({ types: 'none' });
    const template = tenant.actions.find((a) => a.key === 'create-contact')!;
    tenant.actions.push({ ...template, id: 'act_goc', key: 'get-or-create-contact', name: 'Get or create contact' });
    const lead = tenant.espo.all('Lead')[0]!;

    const read = await h.command(`run get-lead {"id": "${String(lead.id)}"}`);
    expect(textOf(read.reply)).toContain(String(lead.lastName));
    expect(runCalls('get-lead')).toHaveLength(1);
    // "get-" starts its key, but it creates: it waits for Confirm and has not run.
    const write = await h.command('run get-or-create-contact {"fields": {"lastName": "Doe"}}');
    expect(textOf(write.reply)).toContain('Run `get-or-create-contact`');
    expect(buttonNamed(write.reply, 'Confirm')).toBeTruthy();
    expect(runCalls('get-or-create-contact')).toHaveLength(0);
  });

  it('with a type that says nothing about writing, the key decides: list- reads, create- confirms', async () => {
    h = await startHarness();
    h.slack.emails.set('U1', JANE); // the tasks created are hers
    h.membrane.tenant('T1').setCatalog({ types: 'generic' });
    await h.command('connect'); // with the bot's own check of the new connection
    h.membrane.resetCalls();
    const list = await h.command('run list-leads {"maxSize": 2}');
    expect(textOf(list.reply)).not.toContain('Confirm');
    expect(runCalls('list-leads')).toHaveLength(1);
    const create = await h.command('run create-task {"fields": {"name": "Typed generically"}}');
    expect(buttonNamed(create.reply, 'Confirm')).toBeTruthy();
    expect(runCalls('create-task')).toHaveLength(0);
  });

  it('lists through a list action that takes no page size, paging by its cursor instead of the proxy', async () => {
    h = await startHarness();
    const tenant = h.membrane.tenant('T1');
    tenant.setCatalog({ lists: 'cursor-only' });
    tenant.listPageSize = 4;
    await h.command('connect');
    h.membrane.resetCalls();
    const { reply, responseId } = await h.command('list contacts limit=3');
    expect(h.membrane.calls.some((c) => c.path.includes('/proxy/'))).toBe(false);
    expect(runCalls('list-contacts').length).toBeGreaterThan(0);
    expect(runCalls('list-contacts').every((c) => !('limit' in ((c.body as { input: object }).input ?? {})))).toBe(
      true,
    );
    expect(textOf(reply)).toContain('Showing 1–3 (more available)');

    const pages = [textOf(reply)];
    let current = reply;
    for (let page = 2; page <= 4; page++) {
      const next = await h.click(buttonNamed(current, 'Next'), { responseId });
      current = next.replies[0]!;
      pages.push(textOf(current));
    }
    expect(pages[3]).toContain('Showing 10–10');
    // Ten contacts in all, each shown once.
    const names = tenant.espo.all('Contact').map((c) => String(c.name));
    for (const name of names)
      expect(
        pages.filter((text) => text.includes(name)),
        name,
      ).toHaveLength(1);
    const back = await h.click(buttonNamed(current, 'Previous'), { responseId });
    expect(textOf(back.replies[0]!)).toBe(pages[2]);
    expect(h.membrane.calls.some((c) => c.path.includes('/proxy/'))).toBe(false);
  });

  it("offers the model an action the intent search found, with the search's schema, though the cached catalog predates it", async () => {
    h = await startHarness({ openai: true });
    await h.command('list leads'); // the catalog is read and cached now
    const tenant = h.membrane.tenant('T1');
    const template = tenant.actions.find((a) => a.key === 'list-leads')!;
    tenant.actions.push({
      ...template,
      id: 'act_hot',
      key: 'list-hot-leads',
      name: 'List hot leads',
      description: 'Lists hot leads: the ones to call today.',
    });
    h.membrane.resetCalls();
    h.openai!.enqueue({ toolCalls: [{ name: 'ask_clarifying_question', arguments: { question: 'How hot?' } }] });
    await h.say('dm', 'show me the hot leads');
    const tools = h.openai!.requests[0]!.body.tools ?? [];
    const hot = tools.find((tool) => tool.type === 'function' && tool.function.name === 'list-hot-leads');
    expect(hot).toBeDefined();
    expect(JSON.stringify(hot)).toContain('maxSize');
    expect(h.membrane.calls.filter((c) => c.path === '/actions' && !c.query.intent)).toHaveLength(0);
  });

  it('never repeats a write that failed with a connection error after it started', async () => {
    h = await startHarness();
    h.slack.emails.set('U1', JANE); // the tasks created are hers
    await h.command('connect');
    const espo = h.membrane.tenant('T1').espo;
    const before = espo.all('Task').length;
    const { reply, responseId } = await h.command('create task name="Only once"');
    h.membrane.resetCalls();
    h.membrane.failNext(
      { method: 'POST', pathPrefix: '/actions/create-task/run' },
      {
        status: 400,
        body: { type: 'connection', key: 'connection_is_defunct', message: 'EspoCRM answered 401' },
        afterHandling: true,
      },
    );
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(result.replies[0]!)).toContain('cannot tell whether');
    expect(runCalls('create-task')).toHaveLength(1);
    expect(espo.all('Task').filter((t) => t.name === 'Only once')).toHaveLength(1);
    expect(espo.all('Task')).toHaveLength(before + 1);
    expect((await h.app.store.audit.recent('T1', 1))[0]).toMatchObject({ outcome: 'unknown' });
  });

  it('runs a write again, once, when Membrane refused it because the connection no longer existed', async () => {
    h = await startHarness();
    h.slack.emails.set('U1', JANE); // the tasks created are hers
    await h.command('connect');
    await h.command('list tasks'); // the catalog is cached: the confirmed run is the first call
    const tenant = h.membrane.tenant('T1');
    const { reply, responseId } = await h.command('create task name="After a reconnect"');
    tenant.connection!.archived = true; // gone behind the bot's back: the next run is refused as not found
    h.membrane.resetCalls();
    const result = await h.click(buttonNamed(reply, 'Confirm'), { responseId });
    expect(textOf(result.replies[0]!)).toContain('Created task');
    expect(runCalls('create-task')).toHaveLength(2);
    expect(tenant.espo.all('Task').filter((t) => t.name === 'After a reconnect')).toHaveLength(1);
  });
});
