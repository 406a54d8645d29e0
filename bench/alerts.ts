/**
 * The alerts part of `npm run bench` (BENCH_ONLY=alerts runs it alone): EspoCRM webhook batches of
 * 50 through the running bot to posted Slack messages.
 *
 * Setup (not measured): a workspace connects, then CHANNELS channels each subscribe, through the real
 * `/espo subscribe` + Confirm, to `lead created description=c<i>`; the bot registers one
 * `Lead.create` webhook with the fake EspoCRM (behind the fake Membrane proxy). Each channel gets
 * exactly one alert, so Slack's one-message-per-second-per-channel pacing never delays a post and
 * the numbers are the bot's own.
 *
 * Measured: EVENTS leads are created in the fake EspoCRM; its webhook queue is sent as EspoCRM
 * sends it (signed JSON arrays of 50, one POST after the other, each answered before the next).
 * Per event: latency = the `chat.postMessage` arriving at the fake Slack − the moment its batch was
 * sent (so the fake Slack's own handling is excluded). Throughput = events / (last post − first send).
 */
import type { FakeMembrane } from '../fakes/membrane/server.js';
import { send } from '../fakes/espocrm/webhooks.js';
import type { FakeSlack, SlackCall } from '../fakes/slack/server.js';
import { postSigned } from '../fakes/slack/signing.js';
import { fmt, percentile } from './stats.js';

const TEAM = 'TALERTS';
const CHANNELS = 1000;
const EVENTS = 1000;
const SETUP_CONCURRENCY = 20;

export interface AlertsBenchOptions {
  endpoint: string;
  signingSecret: string;
  slack: FakeSlack;
  membrane: FakeMembrane;
}

export async function runAlerts(options: AlertsBenchOptions): Promise<string[]> {
  const { endpoint, signingSecret, slack, membrane } = options;
  let sequence = 0;

  async function command(text: string, channel: string): Promise<Record<string, unknown>> {
    const id = `alerts-${++sequence}`;
    const ack = await postSigned(endpoint, signingSecret, {
      command: '/espo',
      text,
      team_id: TEAM,
      team_domain: 'bench',
      user_id: 'UALERTS',
      user_name: 'bench',
      channel_id: channel,
      channel_name: channel,
      response_url: slack.responseUrl(id),
      trigger_id: `t-${id}`,
      api_app_id: 'A1',
    });
    if (ack.status !== 200) throw new Error(`command ack ${ack.status}`);
    const [reply] = await slack.waitForResponses(id, 1, 30_000);
    return reply!.body;
  }

  async function confirm(value: string, channel: string): Promise<string> {
    const id = `alerts-${++sequence}`;
    const payload = {
      type: 'block_actions',
      team: { id: TEAM, domain: 'bench' },
      user: { id: 'UALERTS', username: 'bench', team_id: TEAM },
      api_app_id: 'A1',
      token: 'legacy',
      container: { type: 'message', message_ts: '1.2', channel_id: channel, is_ephemeral: true },
      trigger_id: `t-${id}`,
      channel: { id: channel, name: channel },
      response_url: slack.responseUrl(id),
      actions: [
        {
          type: 'button',
          block_id: 'b',
          action_ts: '1.3',
          text: { type: 'plain_text', text: 'Confirm' },
          action_id: 'espo_confirm',
          value,
        },
      ],
    };
    const ack = await postSigned(endpoint, signingSecret, { payload: JSON.stringify(payload) });
    if (ack.status !== 200) throw new Error(`click ack ${ack.status}`);
    const [reply] = await slack.waitForResponses(id, 1, 30_000);
    return JSON.stringify(reply!.body);
  }

  await command('connect', 'CALERTS');
  const setupStarted = performance.now();
  const channel = (i: number) => `CA${String(i).padStart(4, '0')}`;
  for (let start = 0; start < CHANNELS; start += SETUP_CONCURRENCY) {
    await Promise.all(
      Array.from({ length: Math.min(SETUP_CONCURRENCY, CHANNELS - start) }, async (_, k) => {
        const i = start + k;
        const preview = JSON.stringify(await command(`subscribe lead created description=c${i}`, channel(i)));
        const pendingId = /"action_id":"espo_confirm","text":\{[^}]*\},"value":"([^"]+)"/.exec(preview)?.[1];
        if (!pendingId) throw new Error(`no Confirm in ${preview.slice(0, 300)}`);
        const done = await confirm(pendingId, channel(i));
        if (!done.includes('Subscribed')) throw new Error(`not subscribed: ${done.slice(0, 300)}`);
      }),
    );
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const espo = membrane.tenant(TEAM).espo;
  const webhooks = [...espo.webhooks.registered.values()];
  if (webhooks.length !== 1 || webhooks[0]!.event !== 'Lead.create')
    throw new Error(`expected one Lead.create webhook, got ${webhooks.map((w) => w.event).join(', ')}`);

  // The events: one lead per channel, in the order EspoCRM would queue them.
  for (let i = 0; i < EVENTS; i++) {
    espo.request({
      method: 'POST',
      path: '/Lead',
      query: {},
      body: { firstName: 'Bench', lastName: `Lead ${i}`, description: `c${i % CHANNELS}` },
    });
  }
  const batches = espo.webhooks.takeBatches();
  const isAlert = (call: SlackCall) =>
    call.method === 'chat.postMessage' && typeof call.body.channel === 'string' && call.body.channel.startsWith('CA');
  const postsBefore = slack.calls.filter(isAlert).length;
  const membraneBefore = membrane.calls.filter((c) => c.tenant === TEAM).length;
  const sentAtByChannel = new Map<string, number>();
  const acks: number[] = [];
  const firstSent = performance.timeOrigin + performance.now();
  for (const batch of batches) {
    const sentAt = performance.timeOrigin + performance.now();
    for (const item of batch.items) sentAtByChannel.set(channel(Number(String(item.description).slice(1))), sentAt);
    const status = await send(batch);
    acks.push(performance.timeOrigin + performance.now() - sentAt);
    if (status !== 200) throw new Error(`batch answered ${status}`);
  }
  const posts = (await slack.waitForCalls(isAlert, postsBefore + EVENTS, 120_000)).slice(postsBefore);
  const latencies = posts.map((call) => call.at! - sentAtByChannel.get(String(call.body.channel))!);
  const lastPost = Math.max(...posts.map((call) => call.at!));
  const seconds = (lastPost - firstSent) / 1000;
  const membraneCalls = membrane.calls.filter((c) => c.tenant === TEAM).length - membraneBefore;

  return [
    '',
    `alerts: ${CHANNELS} subscriptions set up through /espo subscribe + Confirm in ${setupSeconds.toFixed(1)} s`,
    '',
    '| batches × events | messages posted | events/s (first send → last post) | receipt → post p50 | p99 | max | batch ack p50 | p99 | Membrane calls during delivery |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${batches.length} × ${batches[0]?.items.length ?? 0} | ${posts.length} | ${(EVENTS / seconds).toFixed(0)} | ${fmt(percentile(latencies, 50))} | ${fmt(percentile(latencies, 99))} | ${fmt(Math.max(...latencies))} | ${fmt(percentile(acks, 50))} | ${fmt(percentile(acks, 99))} | ${membraneCalls} |`,
  ];
}
