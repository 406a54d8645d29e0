import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEspoBatch } from '../../fakes/espocrm/webhooks.js';
import { unsafeMarkup } from '../../fakes/slack/block-kit.js';
import { buttonNamed, SITE_URL, startHarness, textOf, type Harness } from '../support/harness.js';
import { slackSignature } from '../../fakes/slack/signing.js';
import { anyBrokenPayload, type PayloadKind } from '../support/slack-payloads.js';

/**
 * Hostile input through the real app, as Slack and EspoCRM would deliver it: random command text,
 * forged button payloads, garbage event bodies and webhook batches, and CRM records built to break
 * rendering. Every request gets an answer (or a refusal), the process lives on, and nothing the
 * bot posts is refused by Slack (the fake Slack refuses what Slack would) or pings anyone.
 */
describe('hostile input, end to end', () => {
  let h: Harness;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    h = await startHarness({ publicUrl: true });
    await h.command('connect');
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await h.close();
  });

  const odd = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '<!channel>',
      '<@U1>',
      '&amp;',
      '"',
      '“',
      '=',
      '__proto__',
      'constructor',
      '\u0000',
      '\u202e',
      '🧨',
      '%',
      '{"a":',
      '[]',
      'null',
    ),
  );
  const words = fc.array(
    fc.oneof(
      odd,
      fc.constantFrom(
        'list',
        'find',
        'show',
        'create',
        'update',
        'delete',
        'api',
        'run',
        'subscribe',
        'digest',
        'lead',
        'deal',
        'task',
        'GET',
        'POST',
        '/Lead',
        'name=',
        'status=New',
        'limit=999',
        'sort=-x',
      ),
    ),
    { maxLength: 8 },
  );

  let sent = 0;
  /** `/espo <text>`; the answer is a reply, or a form (`create lead` with no fields opens one). */
  async function answerTo(text: string): Promise<{ status: number; answer: { text?: string; blocks?: unknown[] } }> {
    const id = `fuzz-${++sent}`;
    const ack = await h.post({
      command: '/espo',
      text,
      team_id: 'T1',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: h.slack.responseUrl(id),
      trigger_id: `trigger-${id}`,
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const reply = h.slack.responses.find((post) => post.id === id);
      if (reply) return { status: ack.status, answer: reply.body };
      const form = h.slack.calls.find(
        (call) => call.method === 'views.open' && call.body.trigger_id === `trigger-${id}`,
      );
      if (form) return { status: ack.status, answer: (form.body.view ?? {}) as { blocks?: unknown[] } };
      if (Date.now() > deadline) throw new Error(`no answer to /espo ${text}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('answers any /espo text with a message (or a form) Slack accepts', async () => {
    await fc.assert(
      fc.asyncProperty(words, async (parts) => {
        const { status, answer } = await answerTo(parts.join(' '));
        expect(status).toBe(200);
        expect(textOf(answer).length).toBeGreaterThan(0);
        expect(unsafeMarkup(answer, SITE_URL)).toEqual([]);
      }),
      { numRuns: 60 },
    );
    expect(h.slack.invalid).toEqual([]);
  });

  it('answers forged button values politely', async () => {
    const actionIds = [
      'espo_confirm',
      'espo_cancel',
      'espo_page:next',
      'espo_share',
      'espo_show:x',
      'espo_unsubscribe',
      'espo_digest_stop',
      'espo_alert_done',
      'espo_alert_assign',
    ];
    const value = fc.oneof(
      odd,
      fc.json({ maxDepth: 3 }),
      fc.constant(JSON.stringify({ e: 'Lead', id: '../../etc' })),
      fc.constant(
        JSON.stringify({
          entity: 'Lead',
          filters: [{ field: 'x', op: 'equals', value: { $ne: 1 } }],
          limit: 5,
          offset: 0,
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actionIds), value, async (actionId, buttonValue) => {
        const { ack, replies } = await h.click({ action_id: actionId, value: buttonValue });
        expect(ack.status).toBe(200);
        expect(textOf(replies[0]!).length).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
    expect(h.slack.invalid).toEqual([]);
  });

  /** POSTs a raw body to /slack/events, signed as Slack signs it (or with a wrong signature). */
  async function postRaw(raw: string, contentType: string, signed = true): Promise<number> {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(`${h.app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signed ? slackSignature('test-signing-secret-0123456789', timestamp, raw) : 'v0=00',
      },
      body: raw,
    });
    await response.text();
    return response.status;
  }

  it('refuses or drops garbage bodies on /slack/events without falling over', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.constantFrom(
        'null',
        'payload=null',
        '[]',
        'payload=%7Bnot%20json',
        'payload=',
        'command=/espo',
        '{"type":"event_callback"}',
        '{"type":"event_callback","event":null}',
        'payload=' + encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: null })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        fc.boolean(),
        async (raw, contentType, signed) => {
          const status = await postRaw(raw, contentType, signed);
          // Unsigned: refused. Signed garbage: answered, or refused as malformed; never a failure of ours.
          if (!signed) expect(status).toBe(401);
          else {
            expect(status).toBeLessThan(500);
            expect(status).not.toBe(401);
          }
        },
      ),
      { numRuns: 30 },
    );
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    // Bolt waits up to 3 s for a listener to acknowledge what none handles.
  }, 180_000);

  it('answers Slack-shaped payloads broken where Bolt reads them with a 2xx or a 4xx, in every encoding', async () => {
    /** As Slack would send it: a form (a command's fields; `payload=` for interactivity) or JSON. */
    const encoded = (kind: PayloadKind, body: Record<string, unknown>, asJson: boolean): [string, string] => {
      if (kind === 'event' || asJson) return [JSON.stringify(body), 'application/json'];
      if (kind !== 'command')
        return [new URLSearchParams({ payload: JSON.stringify(body) }).toString(), 'application/x-www-form-urlencoded'];
      // A form is text: a list is a field given more than once, anything else its JSON.
      const fields = Object.entries(body).flatMap(([key, value]) =>
        (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item): [string, string] => [
          key,
          typeof item === 'string' ? item : JSON.stringify(item),
        ]),
      );
      return [new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded'];
    };
    const failuresBefore = h.logs.filter((line) => String(line.msg).startsWith('a Slack request failed')).length;
    // Batches sent at once: a payload no listener takes waits Bolt's 3 s before its 404.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyBrokenPayload(h.slack.responseUrl('broken')), fc.boolean()), {
          minLength: 20,
          maxLength: 20,
        }),
        async (batch) => {
          const statuses = await Promise.all(
            batch.map(([{ kind, body }, asJson]) => postRaw(...encoded(kind, body, asJson))),
          );
          for (const status of statuses) {
            expect(status).toBeGreaterThanOrEqual(200);
            expect(status).toBeLessThan(500);
            expect(status).not.toBe(401);
          }
        },
      ),
      // A failing batch is reported as it is: shrinking it would cost 3 s a step.
      { numRuns: 8, endOnFailure: true },
    );
    expect(h.logs.filter((line) => String(line.msg).startsWith('a Slack request failed')).length).toBe(failuresBefore);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.app.url}/readyz`)).status).toBe(200);
  }, 120_000);

  it('refuses webhook batches it cannot verify, and survives verified garbage', async () => {
    const { reply, responseId } = await h.command('subscribe lead created', { channel: 'C-fuzz' });
    await h.click(buttonNamed(reply, 'Confirm'), { responseId, channel: 'C-fuzz' });
    const webhook = [...h.membrane.tenant('T1').espo.webhooks.registered.values()][0]!;
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc
        .array(
          fc.dictionary(
            fc.constantFrom('id', 'name', 'status', 'assignedUserId', '__proto__'),
            fc.oneof(odd, fc.integer(), fc.constant(null)),
            { noNullPrototype: true },
          ),
          { maxLength: 60 },
        )
        .map((items) => JSON.stringify(items)),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('valid', 'wrong-secret', 'garbage', 'none', 'unknown-token'),
        async (raw, signing) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (signing === 'valid' || signing === 'unknown-token')
            Object.assign(headers, signEspoBatch(webhook.id, webhook.secretKey, raw));
          if (signing === 'wrong-secret') Object.assign(headers, signEspoBatch(webhook.id, 'not-the-secret', raw));
          if (signing === 'garbage')
            headers.Signature = Buffer.from(`${webhook.id}:${raw.slice(0, 20)}`).toString('base64');
          const url = signing === 'unknown-token' ? webhook.url.replace(/[^/]+$/, 'x'.repeat(32)) : webhook.url;
          const response = await fetch(url, { method: 'POST', headers, body: raw });
          await response.text();
          if (signing === 'unknown-token') expect(response.status).toBe(410);
          else if (signing !== 'valid') expect(response.status).toBe(401);
          else expect([200, 400]).toContain(response.status);
        },
      ),
      { numRuns: 80 },
    );
    const huge = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(1_100_000),
    });
    expect(huge.status).toBe(413);
    // The unread rest of the body must not keep the connection open.
    expect(huge.headers.get('connection')).toBe('close');
    // The receiver logs a failure before it answers, and every request above has its answer.
    await huge.text();
    expect(h.logs.filter((line) => line.msg === 'the EspoCRM webhook receiver failed')).toEqual([]);
  });

  it('shows a record whose fields are 100 KB of mrkdwn and pings as inert text, everywhere', async () => {
    const poison = `*bold* <!channel> <@U0123> <#C1|general> <https://evil.example|Open in EspoCRM> &amp; ${'<!here> _x_ ~y~ `z` '.repeat(5000)}`;
    const [lead] = h.membrane.tenant('T1').espo.seed('Lead', [
      {
        firstName: 'Poison',
        lastName: poison.slice(0, 100_000),
        status: 'New',
        description: poison,
        accountName: poison,
        emailAddress: 'poison@example.com',
      },
    ]);
    const id = String(lead!.id);
    const replies = [
      (await h.command(`show lead ${id}`)).reply,
      (await h.command('list leads status=New sort=-createdAt')).reply,
      (await h.command('find lead Poison')).reply,
    ];
    for (const reply of replies) {
      expect(textOf(reply)).toContain('Poison');
      expect(unsafeMarkup(reply, SITE_URL)).toEqual([]);
    }
    // The alert card for it, through a signed batch, in a channel of its own (C-fuzz's queue is
    // still pacing the garbage batches' alerts at one a second).
    const subscribed = await h.command('subscribe lead created', { channel: 'C-poison' });
    await h.click(buttonNamed(subscribed.reply, 'Confirm'), { responseId: subscribed.responseId, channel: 'C-poison' });
    const webhook = [...h.membrane.tenant('T1').espo.webhooks.registered.values()][0]!;
    const batch = JSON.stringify([{ ...lead, id, name: `Poison ${poison}` }]);
    const delivered = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signEspoBatch(webhook.id, webhook.secretKey, batch) },
      body: batch,
    });
    expect(delivered.status).toBe(200);
    const [card] = await h.slack.waitForCalls(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.body.channel === 'C-poison' &&
        JSON.stringify(call.body).includes('Poison'),
    );
    expect(unsafeMarkup(card!.body as { text?: string; blocks?: unknown[] }, SITE_URL)).toEqual([]);
    // And its link preview.
    await h.sendEvent({
      type: 'link_shared',
      channel: 'C1',
      user: 'U1',
      message_ts: '1800200000.000100',
      unfurl_id: 'u-poison',
      source: 'conversations_history',
      links: [{ domain: 'crm.example.com', url: `${SITE_URL}/#Lead/view/${id}` }],
    });
    const [unfurl] = await h.slack.waitForCalls(
      (call) => call.method === 'chat.unfurl' && JSON.stringify(call.body).includes('Poison'),
    );
    for (const preview of Object.values(unfurl!.body.unfurls as Record<string, { blocks: unknown[] }>))
      expect(unsafeMarkup(preview, SITE_URL)).toEqual([]);
    expect(h.slack.invalid).toEqual([]);
  });

  it('left no unhandled rejection behind, and still answers', async () => {
    expect(unhandled).toEqual([]);
    expect(textOf((await h.command('help')).reply)).toContain('/espo');
  });
});
