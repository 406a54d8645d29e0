import { describe, expect, it } from 'vitest';
import type { AlertMessage, Subscription } from '../../src/core/alerts/types.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';
import { SlackAlertSink } from '../../src/slack/alert-sink.js';

const subscription: Subscription = {
  id: 's1',
  tenantKey: 'T1',
  teamId: 'T1',
  userId: 'U1',
  channelId: 'C1',
  dm: false,
  entity: 'Lead',
  event: 'created',
  filters: [],
  createdAt: new Date(),
};
const message = (name: string): AlertMessage => ({
  kind: 'alert',
  subscription,
  alert: {
    entity: new EspoEntityDirectory().resolve('Lead'),
    kind: 'created',
    record: { id: 'l1', name, fields: { name } },
    changes: [],
    source: 'webhook',
  },
});
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function fakeClient(answer: (channel: string) => unknown = () => ({ ok: true })) {
  const posts: { channel: string; at: number; text: string }[] = [];
  const client = {
    chat: {
      postMessage: async (args: { channel: string; text: string }) => {
        posts.push({ channel: args.channel, at: Date.now(), text: args.text });
        const result = answer(args.channel);
        if (result instanceof Error) throw result;
        return result;
      },
    },
  };
  return { posts, client: client as never };
}

describe('SlackAlertSink', () => {
  it('tells when every queued alert is posted, so shutdown loses none of an answered batch', async () => {
    const { posts, client } = fakeClient();
    const outcomes: string[] = [];
    const sink = new SlackAlertSink(client, async () => 'xoxb', logger, {
      intervalMs: 30,
      onPosted: (outcome) => outcomes.push(outcome),
    });
    await sink.idle();
    for (const name of ['a', 'b', 'c']) void sink.post('T1', 'C1', message(name));
    void sink.post('T1', 'C2', message('d'));
    await sink.idle();
    expect(posts).toHaveLength(4);
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(sink.queued).toBe(0);
  });

  it('posts at most one message per interval per channel, channels independently', async () => {
    const { posts, client } = fakeClient();
    const sink = new SlackAlertSink(client, async () => 'xoxb', logger, { intervalMs: 100 });
    const results = await Promise.all([
      sink.post('T1', 'C1', message('a')),
      sink.post('T1', 'C1', message('b')),
      sink.post('T1', 'C1', message('c')),
      sink.post('T1', 'C2', message('d')),
    ]);
    expect(results).toEqual(['posted', 'posted', 'posted', 'posted']);
    const c1 = posts.filter((p) => p.channel === 'C1');
    expect(c1.map((p) => p.text)).toEqual([
      expect.stringContaining('a'),
      expect.stringContaining('b'),
      expect.stringContaining('c'),
    ]);
    expect(c1[1]!.at - c1[0]!.at).toBeGreaterThanOrEqual(95);
    expect(c1[2]!.at - c1[1]!.at).toBeGreaterThanOrEqual(95);
    // C2 did not wait behind C1's queue.
    expect(posts.find((p) => p.channel === 'C2')!.at - c1[0]!.at).toBeLessThan(90);
  });

  it('keeps the pace across bursts: a post right after the last one waits, one after an idle interval does not', async () => {
    const { posts, client } = fakeClient();
    const sink = new SlackAlertSink(client, async () => 'xoxb', logger, { intervalMs: 100 });
    await sink.post('T1', 'C1', message('a'));
    await sink.post('T1', 'C1', message('b'));
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(95);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const before = Date.now();
    await sink.post('T1', 'C1', message('c'));
    expect(posts[2]!.at - before).toBeLessThan(50);
  });

  it('reports a deleted or archived channel as gone, for every alert waiting for it', async () => {
    const { client } = fakeClient(() =>
      Object.assign(new Error('An API error occurred: channel_not_found'), {
        data: { ok: false, error: 'channel_not_found' },
      }),
    );
    const sink = new SlackAlertSink(client, async () => 'xoxb', logger, { intervalMs: 10 });
    expect(await Promise.all([sink.post('T1', 'C9', message('a')), sink.post('T1', 'C9', message('b'))])).toEqual([
      'gone',
      'gone',
    ]);
  });

  it('bounds each channel queue', async () => {
    const { client } = fakeClient();
    const sink = new SlackAlertSink(client, async () => 'xoxb', logger, { intervalMs: 50, maxQueue: 2 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => sink.post('T1', 'C1', message(String(i)))));
    expect(results.filter((r) => r === 'failed')).toHaveLength(1);
  });
});
