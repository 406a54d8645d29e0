import { describeTiming, formatLocal } from '../../core/digests/time.js';
import type { Digest, DigestJob, DigestPipeline, DigestSection, DigestSectionKey } from '../../core/digests/types.js';
import { dueOf } from '../../core/home/work-filters.js';
import type { CrmRecord, DigestPlan } from '../../core/ports.js';
import { recordUrl } from '../../crm/espo/entities.js';
import { button, context, divider, header, message, section, type AnyBlock, type Message } from './blocks.js';
import { escape, link, truncate, botText } from './mrkdwn.js';
import { formatValue, titleOf } from './fields.js';
import { caveats, groupFigures, groupLines } from './report.js';

/** The Stop button on each digest `/espo digests` lists; its listener is actions/stop-digest.ts. */
export const DIGEST_STOP_ACTION = 'espo_digest_stop';

export interface DigestRenderOptions {
  siteUrl?: string;
  /** `/espo digest now`: says it is a preview. */
  preview?: boolean;
  /** The pipeline's chart (charts.ts `chartBlock`), shown under its numbers. */
  chart?: AnyBlock;
}

const TITLES: Record<DigestSectionKey, { icon: string; title: string; empty: string }> = {
  overdue: { icon: ':warning:', title: 'Overdue tasks', empty: 'Nothing overdue.' },
  today: { icon: ':spiral_calendar_pad:', title: 'Tasks due today', empty: 'No tasks due today.' },
  meetings: { icon: ':busts_in_silhouette:', title: 'Meetings today', empty: 'No meetings today.' },
  closing: { icon: ':moneybag:', title: 'Deals closing this week', empty: 'No open deals close this week.' },
  new_leads: { icon: ':seedling:', title: 'New leads', empty: 'No new leads.' },
  stale: { icon: ':hourglass:', title: 'Stale deals (no update in 14 days)', empty: 'No stale deals.' },
};

const dayLabel = (date: string) => formatValue(date, 'date');

/** A record's field as escaped text, or undefined when empty. */
function text(record: CrmRecord, field: string, max = 80): string | undefined {
  const value = record.fields[field];
  return typeof value === 'string' && value.trim() ? escape(truncate(value, max)) : undefined;
}

/** `<!date^…>`: Slack shows the moment in each reader's own zone; the fallback is UTC. */
function when(value: unknown, format: string): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value)) return undefined;
  const at = new Date(`${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${escape(value)} UTC>`;
}

function daysAgo(value: unknown, now: Date): number | undefined {
  if (typeof value !== 'string') return undefined;
  const at = new Date(`${value.slice(0, 19).replace(' ', 'T')}Z`);
  return Number.isNaN(at.getTime()) ? undefined : Math.floor((now.getTime() - at.getTime()) / 86_400_000);
}

function line(key: DigestSectionKey, record: CrmRecord, digest: Digest, options: DigestRenderOptions): string {
  const entity = {
    overdue: 'Task',
    today: 'Task',
    meetings: 'Meeting',
    closing: 'Opportunity',
    new_leads: 'Lead',
    stale: 'Opportunity',
  }[key];
  const name = `*${link(recordUrl(options.siteUrl, entity, record.id), truncate(titleOf(record), 100))}*`;
  // The team's view says whose each one is.
  const owner = digest.personal ? undefined : text(record, 'assignedUserName');
  let parts: (string | undefined)[];
  switch (key) {
    case 'overdue':
    case 'today': {
      const due = dueOf(record);
      const dateOnly = typeof record.fields.dateEndDate === 'string' && record.fields.dateEndDate !== '';
      const dueText = dateOnly
        ? dayLabel(String(record.fields.dateEndDate))
        : key === 'today'
          ? when(due, '{time}')
          : when(due, '{date_short_pretty} {time}');
      parts = [
        dueText && `${key === 'overdue' ? 'due' : 'at'} ${dueText}`,
        text(record, 'priority'),
        text(record, 'parentName') && `Re: ${text(record, 'parentName')}`,
      ];
      break;
    }
    case 'meetings':
      parts = [
        when(record.fields.dateStart, '{time}'),
        text(record, 'parentName') && `Re: ${text(record, 'parentName')}`,
      ];
      break;
    case 'closing':
      parts = [
        record.fields.amount != null ? formatValue(record.fields.amount, 'currency', record, 'amount') : undefined,
        text(record, 'stage'),
        typeof record.fields.closeDate === 'string' ? `closes ${dayLabel(record.fields.closeDate)}` : undefined,
        text(record, 'accountName'),
      ];
      break;
    case 'new_leads':
      parts = [text(record, 'accountName'), text(record, 'status'), text(record, 'source')];
      break;
    case 'stale': {
      const idle = daysAgo(record.fields.modifiedAt, digest.now);
      parts = [
        text(record, 'stage'),
        record.fields.amount != null ? formatValue(record.fields.amount, 'currency', record, 'amount') : undefined,
        idle !== undefined ? `no update in ${idle} days` : undefined,
      ];
      break;
    }
  }
  const details = [...parts, owner].filter(Boolean).join(' · ');
  return `• ${name}${details ? ` · ${details}` : ''}`;
}

function sectionBlocks(part: DigestSection, digest: Digest, options: DigestRenderOptions): AnyBlock[] {
  const { icon, title } = TITLES[part.key];
  const heading =
    part.key === 'new_leads'
      ? `${title} since ${when(espoUtc(digest.since), '{date_short_pretty} {time}') ?? 'the last digest'}`
      : title;
  if (part.error) return [section(`${icon} *${heading}*\n_Could not be read: ${botText(part.error.userMessage)}_`)];
  const count = part.total ?? part.records.length;
  const counted =
    part.records.length === 0
      ? ''
      : part.total !== undefined
        ? ` (${count})`
        : part.hasMore
          ? ` (${part.records.length}+)`
          : ` (${count})`;
  if (part.records.length === 0) return [section(`${icon} *${heading}*\n_${TITLES[part.key].empty}_`)];
  const lines = part.records.map((record) => line(part.key, record, digest, options));
  const more =
    part.total !== undefined && part.total > part.records.length ? part.total - part.records.length : undefined;
  if (more) lines.push(`_…and ${more} more._`);
  else if (part.total === undefined && part.hasMore) lines.push('_…and more._');
  return [section(`${icon} *${heading}*${counted}\n${lines.join('\n')}`)];
}

/** The pipeline: its total and stages in text, always; the chart, when there is one, repeats them. */
function pipelineBlocks(pipeline: DigestPipeline, chart: AnyBlock | undefined): AnyBlock[] {
  const icon = ':bar_chart:';
  if (pipeline.error)
    return [section(`${icon} *Pipeline*\n_Could not be read: ${botText(pipeline.error.userMessage)}_`)];
  const { report } = pipeline;
  const lines = [`*Total:* ${groupFigures(report, report.total)}`, ...groupLines(report)];
  return [
    section(`${icon} *${escape(truncate(report.title, 150))}*\n${lines.join('\n')}`),
    ...(chart ? [chart] : []),
    ...caveats(report).map((note) => context(note)),
  ];
}

function espoUtc(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

/** A digest as one message: a header, then each part with its first records and a count; at most 50 blocks. */
export function renderDigest(digest: Digest, options: DigestRenderOptions = {}): Message {
  const whose = digest.personal ? 'Your daily digest' : 'Team digest';
  const title = `${whose} · ${dayLabel(digest.today)}`;
  const overdue = digest.sections.find((part) => part.key === 'overdue');
  const today = digest.sections.find((part) => part.key === 'today');
  const summary = [
    overdue && !overdue.error ? `${overdue.total ?? overdue.records.length} overdue` : undefined,
    today && !today.error ? `${today.total ?? today.records.length} due today` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const blocks: (AnyBlock | undefined)[] = [
    header(title),
    context(
      [
        options.preview ? ':eyes: Preview: this is what the digest says right now.' : undefined,
        digest.lateSince
          ? `:hourglass_flowing_sand: Sent late: it was due ${formatLocal(digest.lateSince, digest.timeZone)}, when I was not running.`
          : undefined,
        `Days as in ${escape(digest.timeZone)}; this week ends ${dayLabel(digest.weekEnd)}.`,
      ]
        .filter(Boolean)
        .join('  '),
    ),
  ];
  digest.sections.forEach((part, index) => {
    if (index === 3) blocks.push(divider());
    blocks.push(...sectionBlocks(part, digest, options));
  });
  if (digest.pipeline) blocks.push(divider(), ...pipelineBlocks(digest.pipeline, options.chart));
  blocks.push(
    context(
      digest.personal
        ? 'Your EspoCRM work. `/espo digests` lists your digests, with a Stop button.'
        : '`/espo digests` in this channel lists its digests, with a Stop button.',
    ),
  );
  return message(`${title}${summary ? `: ${summary}` : ''}`, blocks);
}

/** `/espo digests`: each with when it goes out next, and a Stop button. */
export function renderDigestList(digests: DigestJob[], personal: boolean): Message {
  if (digests.length === 0) {
    const text = personal ? 'You have no digests.' : 'This channel has no digests.';
    return message(text, [
      section(
        `${text} Schedule one with \`/espo digest daily 09:00\` (or \`… 09:00 weekdays\`); preview it with \`/espo digest now\`.`,
      ),
    ]);
  }
  const blocks: (AnyBlock | undefined)[] = [header(personal ? 'Your digests' : 'Digests in this channel')];
  for (const job of digests) {
    const last = job.lastSentAt
      ? ` · last sent <!date^${Math.floor(job.lastSentAt.getTime() / 1000)}^{date_short_pretty} {time}|${escape(job.lastSentAt.toISOString())}>`
      : '';
    const next = `<!date^${Math.floor(job.nextRunAt.getTime() / 1000)}^{date_short_pretty} {time}|${escape(job.nextRunAt.toISOString())}>`;
    blocks.push(
      section(
        `*${escape(describeDigest(job))}*\nNext: ${next}${last} · scheduled by <@${escape(job.userId)}>`,
        button({ actionId: DIGEST_STOP_ACTION, text: 'Stop', value: job.id, style: 'danger' }),
      ),
    );
  }
  return message(personal ? 'Your digests' : 'Digests in this channel', blocks);
}

export function describeDigest(plan: Pick<DigestPlan, 'personal' | 'time' | 'days' | 'timeZone'>): string {
  const what = plan.personal ? 'Your digest' : 'Team digest';
  const timing = describeTiming(plan);
  return `${what}, ${timing} (${plan.timeZone})`;
}

/** The preview of scheduling a digest, for its Confirm. */
export function digestScheduleLines(plan: DigestPlan): AnyBlock[] {
  const where = plan.personal ? 'to you, in your DM with me' : `to <#${escape(plan.channelId)}>`;
  const whose = plan.personal
    ? "your overdue and today's tasks, your meetings today, your deals closing this week, new leads assigned to you, and your deals with no update in 14 days"
    : "everyone's overdue and today's tasks, meetings today, deals closing this week (amount, stage), new leads, and deals with no update in 14 days";
  return [
    section(
      `*Send a digest ${where}, ${escape(describeTiming(plan))} (${escape(plan.timeZone)})?*\nIt lists ${whose}.${plan.pipeline ? ` The first one each week also has ${plan.personal ? 'your' : "the team's"} pipeline: open deals by stage, amount and weighted, with a chart.` : ''}`,
    ),
    ...(plan.personal
      ? []
      : [context('I can post only in channels I am in: `/invite @EspoCRM` here first if I am not.')]),
  ];
}
