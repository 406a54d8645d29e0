// Teams that keep CRM records away from models: MODEL_SEES_CRM_DATA=false, and a local model behind Ollama's
// OpenAI-compatible endpoint (the fake in its `ollama` flavor, fakes/openai/ollama.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack/server.js';
import { startHarness, textOf, type Harness } from '../support/harness.js';

const said = (call: SlackCall | undefined) => textOf((call?.body ?? {}) as { text?: string; blocks?: unknown[] });

/** Record text the fake EspoCRM holds: names and field values no model may see under MODEL_SEES_CRM_DATA=false. */
const NAMES = ['ZZQ-Secret-Corp', 'ZZQ-Hidden-Holdings'];
const VALUES = ['zzq-secret-corp.example', 'ZZQ-Note-7731', '+1 555 017 7731', 'zzq-hidden.example'];

/**
 * A thread that takes CRM text every way it can go towards the model: records listed without it (the fast path),
 * a record it opens, a change it proposes (the preview reads the record's name), a repair round, an answer in prose,
 * each followed by another message to the model. Returns every request the model got, as sent.
 */
async function threadOverSecrets(h: Harness): Promise<string> {
  const espo = h.membrane.tenant('T1').espo;
  const [corp, holdings] = espo.seed('Account', [
    { name: NAMES[0], website: VALUES[0], description: VALUES[1], phoneNumber: VALUES[2] },
    { name: NAMES[1], website: VALUES[3] },
  ]);
  const rest = (method: string, path: string, body: unknown = null) => ({
    toolCalls: [{ name: 'espocrm_rest', arguments: { method, path, body } }],
  });

  const listed = await h.say('mention', 'find accounts ZZQ');
  expect(said(listed.messages[0])).toContain(NAMES[0]);
  expect(h.openai!.requests).toHaveLength(0);
  const threadTs = listed.threadTs;
  const followUp = (text: string) => h.say('mention', text, { threadTs });

  h.openai!.enqueue(rest('GET', `/Account/${String(holdings!.id)}`));
  expect(said((await followUp('open the second of those please')).messages[0])).toContain(NAMES[1]);

  h.openai!.enqueue(rest('PUT', `/Account/${String(corp!.id)}`, JSON.stringify({ website: 'new.example' })));
  const preview = said((await followUp('set the website of the first one to new.example')).messages[0]);
  expect(preview).toContain(NAMES[0]);

  h.openai!.enqueue({ toolCalls: [{ name: 'no_such_tool', arguments: {} }] }, rest('GET', '/Account?maxSize=5'));
  await followUp('hmm, do any others look a bit like that one?');

  h.openai!.enqueue({ content: 'Both look fine to me.' });
  await followUp('what do you think of them?');

  h.openai!.enqueue(rest('GET', `/Account/${String(corp!.id)}`));
  await followUp('and the first one again');
  // Six messages to the model, one of them the repair round.
  expect(h.openai!.requests).toHaveLength(6);
  return JSON.stringify(h.openai!.requests.map((request) => request.body));
}

describe.each([
  { setting: 'false', seesCrmData: false },
  { setting: 'true', seesCrmData: true },
])('MODEL_SEES_CRM_DATA=$setting', ({ setting, seesCrmData }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: true, env: { MODEL_SEES_CRM_DATA: setting } });
    // U1 is Marco in EspoCRM, found by email, so the prompt says who "my" means.
    h.slack.emails.set('U1', 'marco.lopez@example.com');
    await h.command('connect');
  });
  afterAll(() => h.close());

  it(
    seesCrmData
      ? 'sends the names of records shown in the thread, as data (so the test above means something)'
      : 'sends the model no record names or field values, only ids, however the thread went',
    async () => {
      const sent = await threadOverSecrets(h);
      const espo = h.membrane.tenant('T1').espo;
      const ids = espo
        .all('Account')
        .filter((account) => NAMES.includes(String(account.name)))
        .map((account) => String(account.id));
      // Follow-ups still work by id.
      for (const id of ids) expect(sent).toContain(`Account id=${id}`);
      for (const value of VALUES) expect(sent).not.toContain(value);
      if (seesCrmData) {
        for (const name of NAMES) expect(sent).toContain(name);
        expect(sent).toContain('Person U1');
      } else {
        for (const name of NAMES) expect(sent).not.toContain(name);
        expect(sent).not.toContain('Secret');
        // The person's Slack name is not CRM text, but it is a name: left out too.
        expect(sent).not.toContain('Person U1');
        expect(sent).toContain('withheld from you by policy');
      }
    },
  );
});

describe('a local model behind Ollama', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      openai: 'ollama',
      env: {
        OPENAI_API_KEY: 'ollama',
        OPENAI_MODEL: 'llama3.1:8b',
        // The fake listens on a random port; at 127.0.0.1:11434 these are Ollama's defaults already
        // (test/config/config.test.ts), here they are said outright, as for an Ollama behind a proxy.
        OPENAI_TOOL_CHOICE: 'omit',
        OPENAI_PARALLEL_TOOL_CALLS: 'omit',
      },
    });
    await h.command('connect');
  });
  afterAll(() => h.close());
  beforeEach(() => h.openai!.reset());

  it('sends what Ollama takes, and uses a tool call in its shape', async () => {
    h.openai!.enqueue({ toolCalls: [{ name: 'list-opportunities', arguments: { maxSize: 5 } }] });
    const { messages } = await h.say('dm', 'which deals should I chase first?');
    expect(said(messages[0])).toContain('Opportunities');
    const body = h.openai!.requests[0]!.body;
    expect(body).toMatchObject({ model: 'llama3.1:8b', temperature: 0 });
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('parallel_tool_calls');
    expect(h.logs.findLast((l) => l.msg === 'request handled')).toMatchObject({ route: 'model', modelCalls: 1 });
  });

  it('shows nothing of a prose answer as CRM data, and offers the command instead', async () => {
    // tool_choice is not sent, and Ollama would ignore it: a small model may just talk.
    h.openai!.enqueue({ content: 'You have 3 open deals: Acme Rocket Sled ($48,000) closes Friday.' });
    h.membrane.resetCalls();
    const text = said((await h.say('dm', 'anything exciting happening in sales lately?')).messages[0]);
    expect(text).toContain("I didn't look anything up in EspoCRM");
    expect(text).toContain('/espo list opportunities');
    expect(text).not.toContain('Acme Rocket Sled');
    expect(h.membrane.calls.filter((c) => c.path.includes('/run') || c.path.includes('/proxy'))).toHaveLength(0);
  });

  it('repairs a call in a round Ollama accepts', async () => {
    // Ollama refuses a message without content unless it carries tool calls: the repair round's must.
    h.openai!.enqueue(
      { toolCalls: [{ name: 'list-opportunities', arguments: { maxSize: 'five' } }] },
      { toolCalls: [{ name: 'list-opportunities', arguments: { maxSize: 5 } }] },
    );
    const { messages } = await h.say('dm', 'which deals look risky to you?');
    expect(said(messages[0])).toContain('Opportunities');
    expect(h.openai!.requests).toHaveLength(2);
    expect(JSON.stringify(h.openai!.requests[1]!.body.messages.at(-1))).toContain('Error: ');
  });
});
