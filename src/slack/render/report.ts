import type { Reply } from '../../core/replies.js';
import type { Amount, Report, ReportGroup } from '../../core/reports/types.js';
import { actions, context, header, message, section, type AnyBlock, type Message } from './blocks.js';
import { escape, truncate } from './mrkdwn.js';
import { shareButton, sharedContext, type RenderOptions } from './record.js';
import { understoodContext } from './record-list.js';

/** Groups shown as lines; the rest are summed into one "Others" line so the message stays short. */
const MAX_LINES = 15;

/** 12,500 USD as "$12,500"; a number without a currency as "12,500". */
export function formatAmount(amount: Amount): string {
  const number = { maximumFractionDigits: 0 };
  if (!amount.currency) return amount.value.toLocaleString('en-US', number);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: amount.currency, ...number }).format(
      amount.value,
    );
  } catch {
    // A code Intl does not know (a custom currency in EspoCRM) is written after the number.
    return `${amount.value.toLocaleString('en-US', number)} ${escape(amount.currency)}`;
  }
}

const amounts = (list: Amount[] | undefined) => (list ?? []).map(formatAmount).join(' + ');

/** "12 deals · $340,000 · weighted $120,500": what one group or the total comes to. */
export function groupFigures(report: Report, group: ReportGroup): string {
  const { entity, query } = report;
  const noun = escape(group.count === 1 ? entity.label.toLowerCase() : entity.plural.toLowerCase());
  const parts = [`${group.count.toLocaleString('en-US')} ${noun}`];
  if (query.measure.kind === 'sum') parts.push(amounts(group.sums) || formatAmount({ value: 0 }));
  if (query.weighted && group.weighted?.length) parts.push(`weighted ${amounts(group.weighted)}`);
  return parts.join(' · ');
}

/** Groups added together, amount by amount in each currency: the "more" line still adds up to the total. */
function combined(groups: ReportGroup[]): ReportGroup {
  const add = (lists: (Amount[] | undefined)[]): Amount[] => {
    const byCurrency = new Map<string | undefined, number>();
    for (const amount of lists.flatMap((list) => list ?? []))
      byCurrency.set(amount.currency, (byCurrency.get(amount.currency) ?? 0) + amount.value);
    return [...byCurrency].map(([currency, value]) => ({ value, ...(currency ? { currency } : {}) }));
  };
  return {
    key: null,
    label: 'more',
    count: groups.reduce((sum, group) => sum + group.count, 0),
    sums: add(groups.map((group) => group.sums)),
    weighted: add(groups.map((group) => group.weighted)),
  };
}

/** A breakdown's groups, one line each; past MAX_LINES, the rest as one line with their count. */
export function groupLines(report: Report): string[] {
  const shown = report.groups.slice(0, MAX_LINES);
  const rest = report.groups.slice(MAX_LINES);
  const lines = shown.map((group) => `• ${escape(truncate(group.label, 80))}: ${groupFigures(report, group)}`);
  if (rest.length) lines.push(`• ${rest.length} more: ${groupFigures(report, combined(rest))}`);
  return lines;
}

/** What the reader should know about how the numbers were read: bounded, currencies, cached. */
export function caveats(report: Report): string[] {
  const notes: string[] = [];
  if (report.bound) {
    const why = report.bound === 'time' ? 'the time a report may take' : 'the most a report reads';
    notes.push(
      `Based on the first ${report.scanned.toLocaleString('en-US')} of ${report.matched.toLocaleString('en-US')} ${escape(report.entity.plural.toLowerCase())} (${why}).`,
    );
  }
  if (report.currency?.mode === 'converted')
    notes.push(`Amounts converted into ${escape(report.currency.into)} with EspoCRM's rates.`);
  if (report.currency?.mode === 'separate')
    notes.push('Amounts in different currencies are kept apart: EspoCRM gave no rates to convert them.');
  return notes;
}

/** A total or a breakdown: the numbers in text, always; the chart (when there is one) only repeats them. */
export function renderReport(reply: Extract<Reply, { kind: 'report' }>, options: RenderOptions = {}): Message {
  const { report } = reply;
  const total = groupFigures(report, report.total);
  const lines = groupLines(report);
  // Private until shared, like a list: a button value holds 2,000 characters, a long query goes without.
  const share =
    options.sharedBy || options.inPublic
      ? undefined
      : shareButton({ t: 'report', q: report.query, title: truncate(report.title, 150) });
  const blocks: (AnyBlock | undefined)[] = [
    header(truncate(report.title, 150)),
    section(`*Total:* ${total}`),
    lines.length ? section(lines.join('\n')) : undefined,
    options.chart,
    ...caveats(report).map((note) => context(note)),
    understoodContext(report.understood),
    options.sharedBy ? sharedContext(options) : share && actions('espo_report_actions', share),
  ];
  return message(`${report.title}: ${total}`, blocks);
}
