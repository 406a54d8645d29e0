import type { Amount, Report, ReportGroup } from '../../../core/reports/types.js';
import { formatAmount } from '../report.js';

/**
 * A report's breakdown as a horizontal bar chart, in hand-written SVG: one bar per group, the
 * pipeline's weighted amount drawn over its full amount. The chart only repeats the numbers the
 * message already says, so a group that does not fit is summed into "Others" rather than dropped.
 */

/** Bars drawn; more groups keep the largest of them, in the report's order, and an "Others" bar. */
export const MAX_BARS = 12;
/** Slack's limit on an image block's alt_text (docs.slack.dev/reference/block-kit/blocks/image-block). */
export const MAX_ALT_TEXT = 2000;

export const FONT_FAMILY = 'DejaVu Sans';

export interface Bar {
  label: string;
  /** What the bar's length stands for: the amount, or the count when the report counts (or mixes currencies). */
  value: number;
  /** The pipeline's amount weighted by probability, drawn over the full amount. */
  weighted?: number;
  count: number;
  /** The value as written beside the bar. */
  figure: string;
  /** The sum of the groups that did not get a bar of their own. */
  others?: boolean;
}

export interface BarChart {
  title: string;
  /** The total, written under the title. */
  subtitle: string;
  bars: Bar[];
  weighted: boolean;
  /** How many records a count means ("deals"), for the alt text. */
  noun: { one: string; many: string };
}

/** The one currency every sum is in (or none, a plain number); undefined when they differ. */
function oneCurrency(groups: ReportGroup[]): { currency?: string } | undefined {
  const currencies = new Set(
    groups.flatMap((group) => [...group.sums, ...(group.weighted ?? [])].map((a) => a.currency)),
  );
  if (currencies.size > 1) return undefined;
  return { currency: [...currencies][0] };
}

const sumOf = (amounts: Amount[] | undefined) => (amounts ?? []).reduce((sum, amount) => sum + amount.value, 0);

/** What the chart of a report shows: its groups (or its total alone), at most MAX_BARS of them. */
export function barChartOf(report: Report): BarChart {
  const groups = report.groups.length ? report.groups : [{ ...report.total, label: 'Total' }];
  // Amounts in currencies that were not converted cannot share one axis: the bars count instead.
  const money = report.query.measure.kind === 'sum' ? oneCurrency([report.total, ...groups]) : undefined;
  const weighted = Boolean(money && report.query.weighted && groups.some((group) => group.weighted?.length));
  const amount = (value: number): string =>
    money ? formatAmount({ value, currency: money.currency }) : value.toLocaleString('en-US');
  const bar = (label: string, count: number, value: number, weight: number | undefined, others?: boolean): Bar => ({
    label,
    value,
    count,
    ...(weighted ? { weighted: weight ?? 0 } : {}),
    figure: weighted ? `${amount(value)} · weighted ${amount(weight ?? 0)}` : amount(value),
    ...(others ? { others } : {}),
  });
  const barOf = (group: ReportGroup) =>
    bar(group.label, group.count, money ? sumOf(group.sums) : group.count, sumOf(group.weighted));
  let bars = groups.map(barOf);
  if (bars.length > MAX_BARS) {
    // The largest keep their bars, in the report's own order (stages stay in pipeline order).
    const kept = new Set(
      [...bars.keys()].sort((a, b) => bars[b]!.value - bars[a]!.value || a - b).slice(0, MAX_BARS - 1),
    );
    const rest = bars.filter((_bar, index) => !kept.has(index));
    bars = bars.filter((_bar, index) => kept.has(index));
    const total = (pick: (bar: Bar) => number) => rest.reduce((sum, each) => sum + pick(each), 0);
    bars.push(
      bar(
        `Others (${rest.length})`,
        total((each) => each.count),
        total((each) => each.value),
        total((each) => each.weighted ?? 0),
        true,
      ),
    );
  }
  const noun = { one: report.entity.label.toLowerCase(), many: report.entity.plural.toLowerCase() };
  const totalCount = `${report.total.count.toLocaleString('en-US')} ${report.total.count === 1 ? noun.one : noun.many}`;
  const totalParts = [totalCount];
  if (money) totalParts.push(amount(sumOf(report.total.sums)));
  if (weighted) totalParts.push(`weighted ${amount(sumOf(report.total.weighted))}`);
  return { title: report.title, subtitle: `Total: ${totalParts.join(' · ')}`, bars, weighted, noun };
}

/** XML 1.0 allows no C0 controls but tab and newlines, no lone surrogates, no U+FFFE/FFFF. */
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as SVG (XML) content or an attribute value: markup escaped, characters XML forbids dropped. */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * About how wide DejaVu Sans draws `text` at `size` px (its advance widths, rounded): enough to
 * lay the chart out and cut long labels without a font engine.
 */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const char of text) {
    if (/[0-9$€£¥]/.test(char)) em += 0.64;
    else if (/[\s.,:;'|!il]/.test(char)) em += 0.3;
    else if (/[A-Z]/.test(char)) em += 0.7;
    else if (/[mwMW@%]/.test(char)) em += 0.95;
    else if (char.codePointAt(0)! >= 0x2e80) em += 1;
    else em += 0.6;
  }
  return em * size;
}

/** `text` cut (by whole characters, never half a surrogate pair) to fit `width` px, with an ellipsis. */
export function fitText(text: string, size: number, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (textWidth(flat, size) <= width) return flat;
  const chars = Array.from(flat);
  while (chars.length && textWidth(`${chars.join('')}…`, size) > width) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

const LAYOUT = {
  width: 760,
  pad: 24,
  labelWidth: 190,
  gap: 10,
  rowHeight: 30,
  barHeight: 18,
  minBarSpace: 240,
  titleSize: 18,
  textSize: 13,
  figureSize: 12,
} as const;

/** Colours with strong contrast on the chart's own white card, whatever Slack's theme around it. */
const COLOURS = {
  card: '#FFFFFF',
  border: '#D0D0D0',
  text: '#1D1C1D',
  muted: '#5E5D60',
  axis: '#BBBBBB',
  bar: '#1F5FA8',
  barBehind: '#A9C4E8',
} as const;

const n = (value: number) => String(Math.round(value * 10) / 10);

/** The chart as a standalone SVG document, its text escaped and cut to fit. */
export function barChartSvg(chart: BarChart): string {
  const { pad, labelWidth, gap, rowHeight, barHeight, textSize, figureSize, titleSize } = LAYOUT;
  const figureWidth = Math.max(0, ...chart.bars.map((bar) => textWidth(bar.figure, figureSize))) + gap;
  const barX = pad + labelWidth + gap;
  // A wide figure widens the card rather than squeezing the bars.
  const width = Math.ceil(Math.max(LAYOUT.width, barX + LAYOUT.minBarSpace + figureWidth + pad));
  const barSpace = width - pad - figureWidth - barX;
  // "Others" sums many groups: drawn to the same scale it would dwarf them, so it gets its figure only.
  const max = Math.max(0, ...chart.bars.filter((bar) => !bar.others).map((bar) => bar.value));
  const scale = (value: number) => (max > 0 ? (Math.max(0, value) / max) * barSpace : 0);

  const parts: string[] = [];
  const text = (x: number, y: number, content: string, attrs: string) =>
    parts.push(`<text x="${n(x)}" y="${n(y)}" ${attrs}>${xmlEscape(content)}</text>`);
  let y = pad + titleSize;
  text(
    pad,
    y,
    fitText(chart.title, titleSize, width - 2 * pad),
    `font-size="${titleSize}" font-weight="bold" fill="${COLOURS.text}"`,
  );
  y += 24;
  text(pad, y, fitText(chart.subtitle, textSize, width - 2 * pad), `font-size="${textSize}" fill="${COLOURS.muted}"`);
  if (chart.weighted) {
    y += 24;
    const legend = (x: number, colour: string, label: string) => {
      parts.push(`<rect x="${n(x)}" y="${n(y - 10)}" width="12" height="12" fill="${colour}"/>`);
      text(x + 18, y, label, `font-size="${figureSize}" fill="${COLOURS.muted}"`);
      return x + 18 + textWidth(label, figureSize) + 2 * gap;
    };
    legend(legend(pad, COLOURS.barBehind, 'Amount'), COLOURS.bar, 'Weighted by probability');
  }
  y += 16;
  const top = y;
  chart.bars.forEach((bar, index) => {
    const rowY = top + index * rowHeight;
    const middle = rowY + rowHeight / 2;
    const label = fitText(bar.label || '(none)', textSize, labelWidth);
    text(
      pad + labelWidth,
      middle + textSize * 0.35,
      label,
      `font-size="${textSize}" text-anchor="end" fill="${COLOURS.text}"`,
    );
    const barY = middle - barHeight / 2;
    const full = bar.others ? 0 : scale(bar.value);
    const rect = (width: number, fill: string) => {
      if (width > 0)
        parts.push(`<rect x="${n(barX)}" y="${n(barY)}" width="${n(width)}" height="${barHeight}" fill="${fill}"/>`);
    };
    if (bar.weighted !== undefined) {
      rect(full, COLOURS.barBehind);
      rect(Math.min(scale(bar.weighted), full), COLOURS.bar);
    } else rect(full, COLOURS.bar);
    const colour = bar.others ? COLOURS.muted : COLOURS.text;
    text(
      barX + full + gap / 2 + 2,
      middle + figureSize * 0.35,
      bar.figure,
      `font-size="${figureSize}" fill="${colour}"`,
    );
  });
  const bottom = top + chart.bars.length * rowHeight;
  const height = Math.ceil(bottom + pad);
  parts.push(
    `<line x1="${n(barX)}" y1="${n(top)}" x2="${n(barX)}" y2="${n(bottom)}" stroke="${COLOURS.axis}" stroke-width="1"/>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    // An opaque card: Slack's dark theme must not show through the text.
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="8" fill="${COLOURS.card}" stroke="${COLOURS.border}"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/**
 * What the chart shows, in words and with its numbers, for people who cannot see it: "Bar chart of
 * Pipeline: Prospecting $120,000, weighted $12,000 (4 deals), …", within Slack's alt_text limit.
 */
export function barChartAltText(chart: BarChart, max = MAX_ALT_TEXT): string {
  const head = `Bar chart of ${chart.title}: `;
  const items = chart.bars.map((bar) => {
    const count = `${bar.count.toLocaleString('en-US')} ${bar.count === 1 ? chart.noun.one : chart.noun.many}`;
    const figure = bar.figure.replace(' · ', ', ');
    return figure === bar.count.toLocaleString('en-US') ? `${bar.label} ${count}` : `${bar.label} ${figure} (${count})`;
  });
  const tail = `. ${chart.subtitle}.`;
  let text = head;
  for (const [index, item] of items.entries()) {
    const left = items.length - index - 1;
    const next = `${text}${index ? ', ' : ''}${item}`;
    // An item is taken only while the ones after it can still be told as "and N more".
    if (next.length + (left ? `, and ${left} more`.length : 0) + tail.length > max) {
      text += `${index ? ', and ' : ''}${items.length - index} more`;
      break;
    }
    text = next;
  }
  return cut(text + tail, max);
}

/** At most `max` UTF-16 units, never half a surrogate pair. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
}
