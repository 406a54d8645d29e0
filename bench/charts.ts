/**
 * BENCH_ONLY=charts: what a report's chart costs, in process: the SVG and its PNG (resvg, with the
 * bundled font) for the 6-stage pipeline and a 30-group breakdown (11 bars and "Others"), over 50
 * renders each after a few unmeasured ones. The target: under 200 ms per chart. The upload is
 * Slack's time, not measured here.
 */
import type { Report } from '../src/core/reports/types.js';
import { barChartOf, barChartSvg } from '../src/slack/render/charts/bar-chart.js';
import { svgToPng } from '../src/slack/render/charts/png.js';
import { countReport, pipelineReport } from '../test/support/reports.js';
import { fmt, percentile } from './stats.js';

const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal', 'Negotiation', 'Id. Decision Makers'];
/** Counts and amounts that differ from group to group, so the bars do too. */
const countOf = (index: number) => 3 + ((index * 7) % 11);

async function measure(name: string, subject: Report, renders: number): Promise<string> {
  const once = async () => svgToPng(barChartSvg(barChartOf(subject)));
  for (let warm = 0; warm < 5; warm++) await once();
  const ms: number[] = [];
  let png: Buffer = Buffer.alloc(0);
  for (let round = 0; round < renders; round++) {
    const started = performance.now();
    png = await once();
    ms.push(performance.now() - started);
  }
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  return `| ${name} | ${renders} | ${fmt(percentile(ms, 50))} | ${fmt(percentile(ms, 99))} | ${png.length.toLocaleString('en-US')} | ${width}×${height} |`;
}

export async function runCharts(renders = 50): Promise<string[]> {
  const accounts = Array.from({ length: 30 }, (_, index) => `Account number ${index + 1} Incorporated`);
  const pipeline = pipelineReport(
    STAGES.map((label, index) => ({
      label,
      count: countOf(index),
      amount: 25_000 * (1 + ((index * 5) % 9)),
      probability: 0.1 + index * 0.12,
    })),
  );
  const byAccount = countReport(
    accounts.map((label, index) => [label, countOf(index)]),
    'Leads by account',
  );
  return [
    '\n| chart | renders | render p50 | render p99 | PNG bytes | PNG size |',
    '|---|---|---|---|---|---|',
    await measure('pipeline, 6 stages, weighted', pipeline, renders),
    await measure('30 groups (11 bars + Others)', byAccount, renders),
  ];
}
