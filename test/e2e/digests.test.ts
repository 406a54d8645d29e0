import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { freshPostgresSchema } from '../support/databases.js';
import type { SlackCall } from '../../fakes/slack/server.js';
import type { EspoRecord } from '../../fakes/espocrm/model.js';
import { SITE_URL, buttonNamed, buttonsOf, startHarness, textOf, type Harness } from '../support/harness.js';

const JANE = 'jane.smith@example.com';
// Monday 2026-06-01, 08:00 in New York (EDT, UTC-4), where the fake Slack puts everyone.
const MONDAY_8AM = new Date('2026-06-01T12:00:00Z');
const utc = (text: string) => new Date(text);
const usd = (value: number) => `$${Math.round(value).toLocaleString('en-US')}`;

/** The open deals' count, amount and weighted amount, computed here from the fake EspoCRM's records. */
function openPipeline(deals: EspoRecord[]) {
  const open = deals.filter((deal) => !['Closed Won', 'Closed Lost'].includes(String(deal.stage)));
  const amount = open.reduce((sum, deal) => sum + Number(deal.amount ?? 0), 0);
  const weighted = open.reduce(
    (sum, deal) => sum + (Number(deal.amount ?? 0) * Number(deal.probability ?? 0)) / 100,
    0,
  );
  const stages = new Map<string, number>();
  for (const deal of open) stages.set(String(deal.stage), (stages.get(String(deal.stage)) ?? 0) + 1);
  return { count: open.length, amount, weighted, stages };
}

type Posted = { text: string; blocks: { type: string; slack_file?: { id: string } }[] };

describe('digests', () => {
  let h: Harness | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let clock = MONDAY_8AM;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await dropDatabase?.();
    dropDatabase = undefined;
    clock = MONDAY_8AM;
  });

  const postsTo = (harness: Harness, channel: string) =>
    harness.slack.calls.filter(
      (call: SlackCall) => call.method === 'chat.postMessage' && call.body.channel === channel,
    );

  /**
   * Connects the workspace (the fake EspoCRM's demo data is dated from the clock) and adds records the digest must
   * show.
   */
  async function connected(harness: Harness): Promise<void> {
    await harness.command('connect');
    const espo = harness.membrane.tenant('T1').espo;
    const user = (email: string) => String(espo.all('User').find((u) => u.emailAddress === email)!.id);
    const [jane, marco] = [user(JANE), user('marco.lopez@example.com')];
    espo.seed('Meeting', [
      {
        name: 'Hooli pricing call',
        status: 'Planned',
        dateStart: '2026-06-01 18:00:00',
        dateEnd: '2026-06-01 18:30:00',
        assignedUserId: jane,
      },
      {
        name: 'Pipeline sync',
        status: 'Planned',
        dateStart: '2026-06-01 20:00:00',
        dateEnd: '2026-06-01 20:30:00',
        assignedUserId: marco,
      },
      {
        name: 'Tomorrow kickoff',
        status: 'Planned',
        dateStart: '2026-06-02 14:00:00',
        dateEnd: '2026-06-02 15:00:00',
        assignedUserId: jane,
      },
    ]);
    espo.seed('Lead', [
      {
        firstName: 'Nina',
        lastName: 'Newman',
        status: 'New',
        source: 'Web Site',
        accountName: 'Tailwind',
        assignedUserId: jane,
        createdAt: '2026-06-01 10:00:00',
      },
      {
        firstName: 'Omar',
        lastName: 'Ortiz',
        status: 'New',
        source: 'Call',
        accountName: 'Vandelay',
        assignedUserId: marco,
        createdAt: '2026-05-31 20:00:00',
      },
    ]);
  }

  /** Schedules a digest with `/espo digest …` and its Confirm; returns the confirmation's text. */
  async function schedule(
    harness: Harness,
    text: string,
    who: { channel?: string; user?: string } = {},
  ): Promise<string> {
    const { reply } = await harness.command(text, who);
    const { replies } = await harness.click(buttonNamed(reply, 'Confirm'), who);
    return textOf(replies[0]!);
  }

  it('sends a channel its team digest once per weekday at 09:00 local, late once after downtime, and stops by button', async () => {
    h = await startHarness({ now: () => clock });
    await connected(h);

    const { reply: preview } = await h.command('digest daily 09:00 weekdays');
    expect(textOf(preview)).toContain('Send a digest to <#C1>, every weekday at 09:00 (America/New_York)?');
    expect(textOf(preview)).toContain('/invite @EspoCRM');
    const { replies } = await h.click(buttonNamed(preview, 'Confirm'));
    expect(textOf(replies[0]!)).toContain('The first one comes Monday, June 1 at 09:00.');

    const { reply: list } = await h.command('digests');
    expect(textOf(list)).toContain('Team digest, every weekday at 09:00 (America/New_York)');
    const stop = buttonNamed(list, 'Stop');

    const tick = (at: string) => h!.app.scheduler.tick(utc(at));
    // 08:59 in New York: nothing yet.
    expect((await tick('2026-06-01T12:59:00Z')).sent).toEqual([]);
    expect(postsTo(h, 'C1')).toHaveLength(0);

    await tick('2026-06-01T13:00:20Z');
    expect(postsTo(h, 'C1')).toHaveLength(1);
    const monday = postsTo(h, 'C1')[0]!.body as { text: string; blocks: unknown[] };
    expect(monday.blocks.length).toBeLessThanOrEqual(50);
    const text = textOf(monday);
    expect(monday.text).toBe('Team digest · Jun 1, 2026: 3 overdue, 1 due today');
    // Overdue (open, due before today in New York), most recent first; closed ones never.
    expect(order(text, ['Send proposal to Globex', 'Call Olivia about pricing', 'Review Umbrella loss notes'])).toBe(
      true,
    );
    expect(text).not.toContain('Prepare Acme renewal quote');
    expect(text).not.toContain('Onboard Soylent contacts');
    expect(text).toMatch(/Tasks due today\* \(1\)\n• \*<[^>]+\|Follow up with Initech>\*/);
    expect(text).not.toContain('Qualify new web leads');
    // Planned meetings today, everyone's, soonest first; not tomorrow's.
    expect(order(text, ['Hooli pricing call', 'Pipeline sync'])).toBe(true);
    expect(text).not.toContain('Tomorrow kickoff');
    // Open deals closing Monday to Sunday, with amount and stage.
    expect(text).toMatch(
      /Deals closing this week\* \(1\)\n• \*<[^>]+\|Hooli Data Migration>\* · \$67,501 · Proposal · closes Jun 4, 2026/,
    );
    // New leads in the day before the first digest.
    expect(order(text, ['Nina Newman', 'Omar Ortiz'])).toBe(true);
    // Eight open deals untouched for 14 days: the five stalest, and a count of the rest.
    expect(text).toContain('Stale deals (no update in 14 days)* (8)');
    const stale = part(monday, 'Stale deals');
    expect(
      order(stale, [
        'Acme Corp - Annual License',
        'Globex Pipeline Sensors',
        'Globex Field Service Pilot',
        'Initech Partner Bundle',
        'Stark Avionics Analytics',
      ]),
    ).toBe(true);
    expect(stale).not.toContain('Wayne Reseller Agreement');
    expect(stale).toContain('…and 3 more.');
    expect(text).not.toContain('Initech Upsell');
    // The team's view names whose each is, and links to the record.
    expect(text).toContain('Marco Lopez');
    const globex = h.membrane
      .tenant('T1')
      .espo.all('Task')
      .find((task) => task.name === 'Send proposal to Globex')!;
    expect(text).toContain(`<${SITE_URL}/#Task/view/${globex.id}|Send proposal to Globex>`);
    expect(text).not.toContain('Sent late');

    // Due once: later ticks that day send nothing.
    expect((await tick('2026-06-01T13:05:00Z')).sent).toEqual([]);
    expect(postsTo(h, 'C1')).toHaveLength(1);

    await tick('2026-06-02T13:00:05Z');
    expect(postsTo(h, 'C1')).toHaveLength(2);
    // New leads since Monday's digest only.
    expect(textOf(postsTo(h, 'C1')[1]!.body as never)).toContain('No new leads.');

    // Down Wednesday and Thursday: on Friday one digest, late, not one per missed day.
    await tick('2026-06-05T15:00:00Z');
    await tick('2026-06-05T15:00:30Z');
    expect(postsTo(h, 'C1')).toHaveLength(3);
    expect(textOf(postsTo(h, 'C1')[2]!.body as never)).toContain('Sent late: it was due Wednesday, June 3 at 09:00');
    // The weekend is skipped.
    await tick('2026-06-06T13:00:05Z');
    await tick('2026-06-07T13:00:05Z');
    expect(postsTo(h, 'C1')).toHaveLength(3);
    await tick('2026-06-08T13:00:05Z');
    expect(postsTo(h, 'C1')).toHaveLength(4);
    expect(textOf(postsTo(h, 'C1')[3]!.body as never)).not.toContain('Sent late');

    // Stop: only its creator (or a workspace admin).
    const refused = await h.click(stop, { user: 'U2' });
    expect(textOf(refused.replies[0]!)).toContain(
      'Only the person who scheduled this digest, or a Slack workspace admin, can stop it.',
    );
    const stopped = await h.click(stop);
    expect(textOf(stopped.replies[0]!)).toContain('Stopped the team digest for this channel (every weekday at 09:00).');
    expect(stopped.replies[0]!.replace_original).toBe(true);
    expect(textOf((await h.command('digests')).reply)).toContain('This channel has no digests.');
    await tick('2026-06-09T13:00:05Z');
    expect(postsTo(h, 'C1')).toHaveLength(4);

    const audit = await h.app.store.audit.recent('T1', 10);
    expect(audit.map((entry) => `${entry.action} ${entry.outcome}`)).toEqual(
      expect.arrayContaining(['digest C1 weekdays 09:00 America/New_York done', `digest stop ${stop.value} done`]),
    );
  });

  it("carries the team's pipeline, numbers and chart, in the first digest of the week only", async () => {
    h = await startHarness({ now: () => clock });
    await connected(h);
    const help = textOf((await h.command('help digest')).reply);
    expect(help).toContain('digest daily &lt;HH:MM&gt; [weekdays] [pipeline]');
    expect(help).toContain('digest now pipeline');
    const { reply: proposal } = await h.command('digest daily 09:00 weekdays pipeline');
    expect(textOf(proposal)).toContain("The first one each week also has the team's pipeline");
    const { replies } = await h.click(buttonNamed(proposal, 'Confirm'));
    const done = textOf(replies[0]!);
    expect(done).toContain('every weekday at 09:00, with the pipeline in the first one of each week');
    const expected = openPipeline(h.membrane.tenant('T1').espo.all('Opportunity'));
    expect(expected.stages.size).toBeGreaterThan(1);

    await h.app.scheduler.tick(utc('2026-06-01T13:00:20Z'));
    const monday = postsTo(h, 'C1')[0]!.body as Posted;
    expect(monday.blocks.length).toBeLessThanOrEqual(50);
    const pipeline = part(monday, ':bar_chart: *Pipeline');
    expect(pipeline).toContain(
      `*Total:* ${expected.count} opportunities · ${usd(expected.amount)} · weighted ${usd(expected.weighted)}`,
    );
    for (const [stage, count] of expected.stages)
      expect(pipeline).toMatch(new RegExp(`• ${stage}: ${count} opportunit(y|ies) · \\$`));
    // The rest of the digest is all there.
    expect(textOf(monday)).toContain('Stale deals (no update in 14 days)* (8)');
    const image = monday.blocks.find((block) => block.type === 'image');
    const file = h.slack.files.get(image!.slack_file!.id)!;
    expect(file.bytes!.subarray(1, 4).toString()).toBe('PNG');

    // Tuesday: same week, no pipeline and no chart.
    await h.app.scheduler.tick(utc('2026-06-02T13:00:20Z'));
    const tuesday = postsTo(h, 'C1')[1]!.body as Posted;
    expect(textOf(tuesday)).not.toContain('*Total:*');
    expect(tuesday.blocks.some((block) => block.type === 'image')).toBe(false);
    expect(h.slack.files.size).toBe(1);
  });

  it("previews a person's own pipeline with /espo digest now pipeline, with its chart", async () => {
    h = await startHarness({ now: () => clock });
    h.slack.emails.set('U1', JANE);
    await connected(h);
    const espo = h.membrane.tenant('T1').espo;
    const jane = espo.all('User').find((u) => u.emailAddress === JANE)!;
    const hers = openPipeline(espo.all('Opportunity').filter((deal) => deal.assignedUserId === jane.id));
    expect(hers.stages.size).toBeGreaterThan(1);
    const { reply } = await h.command('digest now pipeline', { channel: 'D1' });
    const text = textOf(reply);
    expect(text).toContain('Preview: this is what the digest says right now.');
    expect(text).toContain('Pipeline · yours');
    const noun = hers.count === 1 ? 'opportunity' : 'opportunities';
    expect(text).toContain(`*Total:* ${hers.count} ${noun} · ${usd(hers.amount)}`);
    const image = (reply.blocks as Posted['blocks']).find((block) => block.type === 'image');
    expect(h.slack.files.get(image!.slack_file!.id)).toBeDefined();
    expect(textOf((await h.command('digest now', { channel: 'D1' })).reply)).not.toContain('Pipeline · yours');
  });

  it('previews the digest with /espo digest now, without scheduling anything', async () => {
    h = await startHarness({ now: () => clock });
    await connected(h);
    clock = utc('2026-06-01T14:00:00Z');
    const { reply } = await h.command('digest now');
    const text = textOf(reply);
    expect(text).toContain('Preview: this is what the digest says right now.');
    expect(text).toContain('Team digest · Jun 1, 2026');
    expect(text).toContain('Send proposal to Globex');
    expect(text).toContain('Hooli Data Migration');
    expect(text).toContain('Nina Newman');
    expect(reply.response_type).toBe('ephemeral');
    expect(await h.app.store.digests.forChannel('T1', 'C1')).toEqual([]);
  });

  it("sends a personal digest, scheduled in the bot's DM, to the person with only their own work", async () => {
    h = await startHarness({ now: () => clock });
    h.slack.emails.set('U1', JANE);
    await connected(h);
    const done = await schedule(h, 'digest daily 08:30', { channel: 'D1' });
    expect(done).toContain(
      'Scheduled: the digest of your work, in your DM with me, every day at 08:30 (America/New_York).',
    );
    expect(textOf((await h.command('digests', { channel: 'D1' })).reply)).toContain('Your digest, every day at 08:30');
    // A channel's list does not show it.
    expect(textOf((await h.command('digests')).reply)).toContain('This channel has no digests.');

    await h.app.scheduler.tick(utc('2026-06-01T12:30:10Z'));
    const posts = postsTo(h, 'U1');
    expect(posts).toHaveLength(1);
    const text = textOf(posts[0]!.body as never);
    expect(text).toContain('Your daily digest · Jun 1, 2026');
    expect(order(text, ['Call Olivia about pricing', 'Review Umbrella loss notes'])).toBe(true);
    expect(text).toContain('No tasks due today.');
    expect(text).toContain('Hooli pricing call');
    expect(text).toContain('Hooli Data Migration');
    expect(text).toContain('Nina Newman');
    expect(
      order(part(posts[0]!.body as never, 'Stale deals'), ['Acme Corp - Annual License', 'Hooli Data Migration']),
    ).toBe(true);
    // Nobody else's.
    for (const other of [
      'Send proposal to Globex',
      'Follow up with Initech',
      'Pipeline sync',
      'Omar Ortiz',
      'Globex Pipeline Sensors',
    ])
      expect(text).not.toContain(other);
    // No owner names on your own digest.
    expect(text).not.toContain('Jane Smith');
  });

  it('refuses a personal digest politely when Slack gives no email, and one in a DM nobody shares with the bot', async () => {
    h = await startHarness({ now: () => clock });
    await connected(h);
    const { reply } = await h.command('digest daily 08:30', { channel: 'D9', user: 'U3' });
    expect(textOf(reply)).toContain("I can't tell which EspoCRM user you are");
    expect(textOf(reply)).toContain('users:read.email');
    expect(buttonsOf(reply)).toEqual([]);
    const { reply: usage } = await h.command('digest weekly 09:00');
    expect(textOf(usage)).toContain('/espo digest daily 09:00');
  });

  it('with two instances on one PostgreSQL, sends each digest exactly once', async () => {
    const database = await freshPostgresSchema();
    dropDatabase = database.drop;
    h = await startHarness({ now: () => clock, env: { DATABASE_URL: database.url } });
    const second: RunningApp = await h.startInstance();
    await connected(h);
    const channels = ['C1', 'C2', 'C3', 'C4'];
    for (const channel of channels) await schedule(h, 'digest daily 09:00', { channel });
    // Slower EspoCRM answers widen the window in which both instances work at once.
    h.membrane.latencyMs = 15;

    for (const at of ['2026-06-01T13:00:01Z', '2026-06-02T13:00:01Z']) {
      const reports = await Promise.all([
        h.app.scheduler.tick(utc(at)),
        second.scheduler.tick(utc(at)),
        second.scheduler.tick(utc(at)),
        h.app.scheduler.tick(utc(at)),
      ]);
      expect(reports.flatMap((report) => report.sent).sort()).toHaveLength(channels.length);
    }
    for (const channel of channels) expect(postsTo(h, channel)).toHaveLength(2);
    // Both instances did some of the work or one did all; either way nothing twice.
    const sentLines = h.logs.filter((line) => line.msg === 'digest sent');
    expect(sentLines).toHaveLength(channels.length * 2);
  });
});

/** The text of the digest's section whose heading contains `heading`. */
function part(message: { blocks?: unknown[] }, heading: string): string {
  const block = (message.blocks as { type: string; text?: { text: string } }[]).find(
    (b) => b.type === 'section' && b.text?.text.includes(heading),
  );
  if (!block) throw new Error(`no section ${heading}`);
  return block.text!.text;
}

/** Whether the strings appear in `text` in this order. */
function order(text: string, items: string[]): boolean {
  const positions = items.map((item) => text.indexOf(item));
  return positions.every((at) => at >= 0) && positions.every((at, i) => i === 0 || at > positions[i - 1]!);
}
