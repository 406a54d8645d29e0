import { describe, expect, it } from 'vitest';
import {
  barChartAltText,
  barChartOf,
  barChartSvg,
  fitText,
  MAX_ALT_TEXT,
  MAX_BARS,
  xmlEscape,
} from '../../../../src/slack/render/charts/bar-chart.js';
import { countReport, pipelineReport, STAGES } from '../../../support/reports.js';

/** The bars' rects in drawing order: [x, width, fill]. */
const rects = (svg: string) =>
  [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="18" fill="(#\w+)"\/>/g)].map((m) => ({
    width: Number(m[2]),
    fill: m[3]!,
  }));

const texts = (svg: string) => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('bar chart SVG', () => {
  it('draws one full bar and one weighted bar per stage, in proportion to the amounts', () => {
    const svg = barChartSvg(barChartOf(pipelineReport()));
    const bars = rects(svg);
    const full = bars.filter((bar) => bar.fill === '#A9C4E8').map((bar) => bar.width);
    const weighted = bars.filter((bar) => bar.fill === '#1F5FA8').map((bar) => bar.width);
    expect(full).toHaveLength(STAGES.length);
    expect(weighted).toHaveLength(STAGES.length);
    STAGES.forEach((stage, index) => {
      expect(full[index]! / full[0]!).toBeCloseTo(stage.amount / STAGES[0]!.amount, 2);
      expect(weighted[index]! / full[0]!).toBeCloseTo((stage.amount * stage.probability) / STAGES[0]!.amount, 2);
    });
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['Pipeline · close date this quarter', 'Prospecting', '$120,000 · weighted $12,000']),
    );
    expect(texts(svg)).toContain('Total: 10 opportunities · $300,000 · weighted $84,000');
  });

  it('escapes every text into XML and drops characters XML forbids', () => {
    const report = countReport(
      [
        ['<script>alert("x")</script> & \'co\'', 3],
        ['bell\u0007 and lone \uD800 surrogate', 2],
      ],
      'Leads </text><svg onload="x"> by "source"',
    );
    const svg = barChartSvg(barChartOf(report));
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('</text><svg');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('&quot;source&quot;');
    expect([...svg].some((char) => char === '\u0007' || char === '\uD800')).toBe(false);
    expect(xmlEscape(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    // Every element is one the chart draws: no injected markup survived.
    const tags = new Set([...svg.matchAll(/<(\w+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(['line', 'rect', 'svg', 'text']);
  });

  it('cuts long labels with an ellipsis, never inside a surrogate pair', () => {
    const long = `Perception Analysis and a stage name far too long to fit 😀😀😀😀😀`;
    const svg = barChartSvg(
      barChartOf(
        countReport([
          [long, 2],
          ['Short', 1],
        ]),
      ),
    );
    const label = texts(svg).find((text) => text.startsWith('Perception'))!;
    expect(label.endsWith('…')).toBe(true);
    expect(label.length).toBeLessThan(long.length);
    const emoji = fitText('😀'.repeat(40), 13, 100);
    expect(emoji).toMatch(/^(😀)+…$/u);
  });

  it('keeps the largest groups in their order and sums the rest into "Others", which gets no bar', () => {
    const groups: [string, number][] = Array.from({ length: 30 }, (_, index) => [`Source ${index}`, (index % 7) + 1]);
    const chart = barChartOf(countReport(groups));
    expect(chart.bars).toHaveLength(MAX_BARS);
    const others = chart.bars.at(-1)!;
    expect(others.label).toBe(`Others (${30 - (MAX_BARS - 1)})`);
    expect(chart.bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(groups.reduce((sum, [, n]) => sum + n, 0));
    const kept = chart.bars.slice(0, -1).map((bar) => Number(bar.label.split(' ')[1]));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(Math.min(...chart.bars.slice(0, -1).map((bar) => bar.value))).toBeGreaterThanOrEqual(
      Math.max(...groups.filter(([label]) => !kept.includes(Number(label.split(' ')[1]))).map(([, n]) => n)),
    );
    expect(rects(barChartSvg(chart))).toHaveLength(MAX_BARS - 1);
  });

  it('charts the total alone without groups, and one group as one bar', () => {
    const none = barChartOf({ ...countReport([]), total: { key: null, label: 'Total', count: 5, sums: [] } });
    expect(none.bars.map((bar) => [bar.label, bar.value])).toEqual([['Total', 5]]);
    expect(rects(barChartSvg(none))).toHaveLength(1);
    const one = barChartSvg(barChartOf(countReport([['Web', 3]])));
    expect(rects(one)).toHaveLength(1);
    const zero = barChartSvg(
      barChartOf(
        countReport([
          ['Web', 0],
          ['Call', 0],
        ]),
      ),
    );
    expect(rects(zero)).toHaveLength(0);
  });

  it('counts instead of adding up amounts in currencies that were kept apart', () => {
    const report = pipelineReport();
    report.groups[1] = { ...report.groups[1]!, sums: [{ value: 90_000, currency: 'EUR' }], weighted: undefined };
    const chart = barChartOf(report);
    expect(chart.weighted).toBe(false);
    expect(chart.bars.map((bar) => bar.value)).toEqual(STAGES.map((stage) => stage.count));
  });
});

describe('bar chart alt text', () => {
  it('says what the chart shows, with every number', () => {
    const alt = barChartAltText(barChartOf(pipelineReport()));
    expect(alt).toBe(
      'Bar chart of Pipeline · close date this quarter: Prospecting $120,000, weighted $12,000 (4 opportunities), ' +
        'Qualification $90,000, weighted $18,000 (3 opportunities), Proposal $60,000, weighted $30,000 (2 opportunities), ' +
        'Negotiation $30,000, weighted $24,000 (1 opportunity). Total: 10 opportunities · $300,000 · weighted $84,000.',
    );
    expect(
      barChartAltText(
        barChartOf(
          countReport([
            ['Web', 3],
            ['Call', 1],
          ]),
        ),
      ),
    ).toBe('Bar chart of Leads by source: Web 3 leads, Call 1 lead. Total: 4 leads.');
  });

  it("stays within Slack's 2000 characters, telling how many groups it left out", () => {
    const stages = Array.from({ length: 12 }, (_, index) => ({
      label: `${'A very long stage name '.repeat(8)}${index}`,
      count: index + 1,
      amount: 1000 * (index + 1),
      probability: 0.5,
    }));
    const alt = barChartAltText(barChartOf(pipelineReport(stages)));
    expect(alt.length).toBeLessThanOrEqual(MAX_ALT_TEXT);
    expect(alt).toMatch(/, and \d+ more\. Total: /);
    expect(barChartAltText(barChartOf(pipelineReport(stages)), 300).length).toBeLessThanOrEqual(300);
  });
});
