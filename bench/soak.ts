/**
 * The soak part of `npm run bench` (BENCH_ONLY=soak runs it alone): two bot processes on one
 * PostgreSQL database, as two replicas behind a load balancer, under a steady stream of signed
 * requests for SOAK_SECONDS (default 300) at SOAK_RATE requests a second (default 20), sent to the
 * instances in turn. The mix, per 20 requests: 12 `/espo list leads status=New`, 3 `/espo show
 * lead <id>`, 2 `/espo find contact <name>`, 1 DM in plain words (`list tasks priority=High`, the
 * fast path), and 2 writes: `/espo create task` on one instance, its Confirm clicked on the other.
 *
 * Reported: ack p50/p99 (signed POST → HTTP 200, every request and click), reply p50/p99 (→ the
 * answer at the fake Slack), errors (a non-200 ack, no answer within 15 s, a warning instead of
 * the answer, a Confirm that did not create), tasks created against Confirms, and each instance's
 * RSS after warm-up, at the end, at its highest, and its trend (least squares over a sample every
 * 10 s), so growth can be told from noise. While it runs, a progress line every 20 s goes to
 * stderr (stdout keeps the results): elapsed time, requests sent and finished, errors, the ack p99
 * of the requests finished since the last line, and each instance's RSS.
 */
import type { Worker } from 'node:worker_threads';
import type { FakeMembrane } from '../fakes/membrane/server.js';
import { freshPostgresSchema } from '../test/support/databases.js';
import { eventCallback } from '../fakes/slack/signing.js';
import type { FakeSlack, SlackCall } from '../fakes/slack/server.js';
import { rssMb, startBot, startLoadGenerator, type BotProcess } from './bot-process.js';
import type { Posted, PostRequest } from './load-generator.js';
import { fmt, percentile } from './stats.js';
import { onTeardown } from './teardown.js';

export interface SoakOptions {
  signingSecret: string;
  slack: FakeSlack;
  membrane: FakeMembrane;
  workspace: { workspaceKey: string; workspaceSecret: string };
  seconds: number;
  rate: number;
}

const TEAM = 'TSOAK';
const REPLY_TIMEOUT_MS = 15_000;
const PROGRESS_SECONDS = 20;

interface Outcome {
  kind: string;
  ackMs: number[];
  replyMs?: number;
  error?: string;
}

/** The value of the button with `actionId` anywhere in a message's blocks. */
function buttonValue(message: unknown, actionId: string): string | undefined {
  if (Array.isArray(message)) return message.map((item) => buttonValue(item, actionId)).find(Boolean);
  if (!message || typeof message !== 'object') return undefined;
  const node = message as Record<string, unknown>;
  if (node.action_id === actionId && typeof node.value === 'string') return node.value;
  return Object.values(node)
    .map((value) => buttonValue(value, actionId))
    .find(Boolean);
}

/** Seconds as m:ss. */
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** Slope of y over x by least squares: MB per minute when x is minutes. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return den ? num / den : NaN;
}

export async function runSoak(options: SoakOptions): Promise<string[]> {
  const { signingSecret, slack, membrane, workspace, seconds, rate } = options;
  // The forty people are the fake EspoCRM's users by Slack email: the tasks they create are theirs.
  const emails = membrane
    .tenant(TEAM)
    .espo.all('User')
    .map((user) => String(user.emailAddress));
  for (let n = 0; n < 40; n++) slack.emails.set(`U${n}`, emails[n % emails.length]!);
  const database = await freshPostgresSchema();
  const dropDatabase = onTeardown(() => database.drop());
  const env = {
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    MEMBRANE_WORKSPACE_KEY: workspace.workspaceKey,
    MEMBRANE_WORKSPACE_SECRET: workspace.workspaceSecret,
    MEMBRANE_API_URI: membrane.url,
    DATABASE_URL: database.url,
  };
  const instances: BotProcess[] = [await startBot({ env }), await startBot({ env })];
  const generator: Worker = startLoadGenerator(signingSecret);
  const stopGenerator = onTeardown(() => generator.terminate());
  const pending = new Map<number, (posted: Posted) => void>();
  generator.on('message', (posted: Posted) => {
    pending.get(posted.id)?.(posted);
    pending.delete(posted.id);
  });
  let sequence = 0;
  const post = (instance: BotProcess, contentType: PostRequest['contentType'], body: string) =>
    new Promise<Posted>((resolve) => {
      const id = ++sequence;
      pending.set(id, resolve);
      generator.postMessage({ id, endpoint: instance.endpoint, contentType, body } satisfies PostRequest);
    });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  /** `/espo <text>` from `user` on `instance`: its ack and the reply at the response_url. */
  async function command(instance: BotProcess, text: string, responseId: string, user: string) {
    const body = form({
      command: '/espo',
      text,
      team_id: TEAM,
      user_id: user,
      channel_id: 'CSOAK',
      response_url: slack.responseUrl(responseId),
      trigger_id: `t-${responseId}`,
    });
    const ack = await post(instance, 'application/x-www-form-urlencoded', body);
    if (ack.status !== 200) return { ack, error: `ack ${ack.status}` };
    const reply = await slack.waitForResponses(responseId, 1, REPLY_TIMEOUT_MS).then(
      ([answer]) => answer!,
      () => undefined,
    );
    return reply ? { ack, reply } : { ack, error: 'no reply' };
  }

  const leadIds = membrane
    .tenant(TEAM)
    .espo.all('Lead')
    .map((lead) => String(lead.id));
  const contactName = String(membrane.tenant(TEAM).espo.all('Contact')[0]?.lastName ?? 'Smith');

  async function one(n: number): Promise<Outcome> {
    const here = instances[n % 2]!;
    const there = instances[(n + 1) % 2]!;
    const slot = n % 20;
    const id = `soak-${n}`;
    // Forty people, so the bot's per-person caches see a team, not one user.
    const user = `U${n % 40}`;
    if (slot === 17) {
      const channel = `DSOAK${n}`;
      const event = eventCallback(
        {
          type: 'message',
          channel_type: 'im',
          user,
          team: TEAM,
          channel,
          ts: `${1_800_000_000 + n}.000100`,
          text: 'list tasks priority=High',
        },
        { team: TEAM, eventId: `EvSoak${n}` },
      );
      const ack = await post(here, 'application/json', JSON.stringify(event));
      if (ack.status !== 200) return { kind: 'dm', ackMs: [ack.ackedAt - ack.sentAt], error: `ack ${ack.status}` };
      const answer = await slack
        .waitForCalls(
          (call: SlackCall) => call.method === 'chat.postMessage' && call.body.channel === channel,
          1,
          REPLY_TIMEOUT_MS,
        )
        .then(
          ([call]) => call!,
          () => undefined,
        );
      if (!answer) return { kind: 'dm', ackMs: [ack.ackedAt - ack.sentAt], error: 'no reply' };
      return {
        kind: 'dm',
        ackMs: [ack.ackedAt - ack.sentAt],
        replyMs: answer.at! - ack.sentAt,
        ...(JSON.stringify(answer.body).includes('Tasks') ? {} : { error: 'unexpected reply' }),
      };
    }
    if (slot >= 18) {
      const proposed = await command(here, `create task name="Soak ${n}" priority=Normal`, id, user);
      const ackMs = [proposed.ack.ackedAt - proposed.ack.sentAt];
      if (!proposed.reply) return { kind: 'write', ackMs, error: proposed.error };
      const confirm = buttonValue(proposed.reply.body, 'espo_confirm');
      if (!confirm) return { kind: 'write', ackMs, error: 'no Confirm in the preview' };
      const clickId = `${id}-confirm`;
      const payload = {
        type: 'block_actions',
        team: { id: TEAM, domain: 'soak' },
        user: { id: user, team_id: TEAM },
        api_app_id: 'A1',
        container: { type: 'message', message_ts: '1.2', channel_id: 'CSOAK', is_ephemeral: true },
        trigger_id: `t-${clickId}`,
        channel: { id: 'CSOAK', name: 'soak' },
        response_url: slack.responseUrl(clickId),
        actions: [
          {
            type: 'button',
            action_id: 'espo_confirm',
            block_id: 'b',
            action_ts: '1.3',
            value: confirm,
            text: { type: 'plain_text', text: 'Confirm' },
          },
        ],
      };
      const clicked = await post(
        there,
        'application/x-www-form-urlencoded',
        form({ payload: JSON.stringify(payload) }),
      );
      ackMs.push(clicked.ackedAt - clicked.sentAt);
      if (clicked.status !== 200) return { kind: 'write', ackMs, error: `click ack ${clicked.status}` };
      const done = await slack.waitForResponses(clickId, 1, REPLY_TIMEOUT_MS).then(
        ([answer]) => answer!,
        () => undefined,
      );
      if (!done) return { kind: 'write', ackMs, error: 'no reply to Confirm' };
      return {
        kind: 'write',
        ackMs,
        replyMs: done.at - clicked.sentAt,
        ...(JSON.stringify(done.body).includes('Created task') ? {} : { error: 'Confirm did not create' }),
      };
    }
    const [kind, text] =
      slot >= 15
        ? ['find', `find contact ${contactName}`]
        : slot >= 12
          ? ['show', `show lead ${leadIds[n % leadIds.length]}`]
          : ['list', 'list leads status=New'];
    const result = await command(here, text, id, user);
    const ackMs = [result.ack.ackedAt - result.ack.sentAt];
    if (!result.reply) return { kind, ackMs, error: result.error };
    const body = JSON.stringify(result.reply.body);
    return {
      kind,
      ackMs,
      replyMs: result.reply.at - result.ack.sentAt,
      ...(body.includes(':warning:') ? { error: 'a warning instead of the answer' } : {}),
    };
  }

  let progress: NodeJS.Timeout | undefined;
  try {
    // Warm-up (not measured): the tenant connects, both instances read and write once.
    for (let n = 0; n < 20; n++) {
      const warm = await one(n);
      if (warm.error) throw new Error(`soak warm-up failed: ${warm.kind}: ${warm.error}`);
    }
    const rssStart = instances.map((instance) => rssMb(instance.child.pid!));
    const rssSamples: { x: number; y: number }[][] = instances.map(() => []);
    const started = performance.now();
    const sampler = setInterval(() => {
      const minutes = (performance.now() - started) / 60_000;
      instances.forEach((instance, index) => rssSamples[index]!.push({ x: minutes, y: rssMb(instance.child.pid!) }));
    }, 10_000);

    // The steady stream: request n goes out at started + n / rate, whatever the others are doing.
    const total = Math.round(seconds * rate);
    const outcomes: Promise<Outcome>[] = [];
    const finished: Outcome[] = [];
    let reported = 0;
    progress = setInterval(() => {
      const recentAcks = finished.slice(reported).flatMap((outcome) => outcome.ackMs);
      reported = finished.length;
      const rss = instances.map((instance) => rssMb(instance.child.pid!).toFixed(0)).join(' / ');
      console.error(
        `soak ${clock((performance.now() - started) / 1000)} of ${clock(seconds)}: ${outcomes.length} sent, ${finished.length} finished, ` +
          `${finished.filter((outcome) => outcome.error).length} errors, ack p99 ${recentAcks.length ? fmt(percentile(recentAcks, 99)) : '-'} (last ${PROGRESS_SECONDS} s), RSS ${rss} MB`,
      );
    }, PROGRESS_SECONDS * 1000);
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      outcomes.push(
        one(20 + n).then((outcome) => {
          finished.push(outcome);
          return outcome;
        }),
      );
    }
    const results = await Promise.all(outcomes);
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(progress);
    const rssEnd = instances.map((instance) => rssMb(instance.child.pid!));

    const errors = results.filter((result) => result.error);
    const acks = results.flatMap((result) => result.ackMs);
    const replies = results.flatMap((result) => (result.replyMs === undefined ? [] : [result.replyMs]));
    const confirmed = results.filter((result) => result.kind === 'write' && !result.error).length;
    const created =
      membrane
        .tenant(TEAM)
        .espo.all('Task')
        .filter((task) => /^Soak \d+$/.test(String(task.name))).length - 2; // the warm-up's two
    const handled = await Promise.all(
      instances.map(async (instance) => {
        const text = await (await fetch(`${instance.url}/metrics`)).text();
        return [...text.matchAll(/^espo_slack_requests_total\{[^}]*\} (\d+)/gm)].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        );
      }),
    );
    const reasons = [...new Set(errors.map((result) => `${result.kind}: ${result.error}`))];
    return [
      '',
      `soak: 2 instances on PostgreSQL, ${rate} requests/s for ${seconds} s (${results.length} requests, ${acks.length} acks incl. Confirm clicks), ${elapsed.toFixed(0)} s in all`,
      '| requests | acks | ack p50 | ack p99 | reply p50 | reply p99 | errors | Confirms → tasks created | handled per instance |',
      '|---|---|---|---|---|---|---|---|---|',
      `| ${results.length} | ${acks.length} | ${fmt(percentile(acks, 50))} | ${fmt(percentile(acks, 99))} | ${fmt(percentile(replies, 50))} | ${fmt(percentile(replies, 99))} | ${errors.length} | ${confirmed} → ${created} | ${handled.join(' / ')} |`,
      ...(reasons.length ? [`errors: ${reasons.join('; ')}`] : []),
      '| instance | RSS after warm-up | RSS at end | RSS max | RSS trend |',
      '|---|---|---|---|---|',
      ...instances.map(
        (_, index) =>
          `| ${index + 1} | ${rssStart[index]!.toFixed(0)} MB | ${rssEnd[index]!.toFixed(0)} MB | ${Math.max(...rssSamples[index]!.map((point) => point.y), rssEnd[index]!).toFixed(0)} MB | ${slope(rssSamples[index]!).toFixed(2)} MB/min |`,
      ),
    ];
  } finally {
    clearInterval(progress);
    await stopGenerator();
    await Promise.all(instances.map((instance) => instance.stop()));
    await dropDatabase();
  }
}
