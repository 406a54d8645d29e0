import type { Report, ReportGroup } from '../../src/core/reports/types.js';

/**
 * Report objects built by hand, as the report engine would give them: the pipeline by stage (amounts
 * in one currency, weighted by probability) and counts by any field.
 */

const opportunity = {
  name: 'Opportunity',
  label: 'Opportunity',
  plural: 'Opportunities',
  keyFields: [],
  fieldType: () => undefined,
};

export const STAGES = [
  { label: 'Prospecting', count: 4, amount: 120_000, probability: 0.1 },
  { label: 'Qualification', count: 3, amount: 90_000, probability: 0.2 },
  { label: 'Proposal', count: 2, amount: 60_000, probability: 0.5 },
  { label: 'Negotiation', count: 1, amount: 30_000, probability: 0.8 },
];

/** The open pipeline by stage: `[label, count, amount, probability]` per stage. */
export function pipelineReport(stages = STAGES, title = 'Pipeline · close date this quarter'): Report {
  const groups: ReportGroup[] = stages.map((stage) => ({
    key: stage.label,
    label: stage.label,
    count: stage.count,
    sums: [{ value: stage.amount, currency: 'USD' }],
    weighted: [{ value: stage.amount * stage.probability, currency: 'USD' }],
  }));
  const sum = (pick: (group: ReportGroup) => number) => groups.reduce((total, group) => total + pick(group), 0);
  return {
    query: {
      entity: 'Opportunity',
      filters: [],
      measure: { kind: 'sum', field: 'amount', label: 'Amount' },
      groupBy: { field: 'stage', label: 'Stage' },
      weighted: true,
    },
    entity: opportunity,
    title,
    total: {
      key: null,
      label: 'Total',
      count: sum((group) => group.count),
      sums: [{ value: sum((group) => group.sums[0]!.value), currency: 'USD' }],
      weighted: [{ value: sum((group) => group.weighted![0]!.value), currency: 'USD' }],
    },
    groups,
    scanned: sum((group) => group.count),
    matched: sum((group) => group.count),
    readAt: new Date('2026-12-07T12:00:00Z'),
  };
}

/** Leads counted by a field: one group per `[label, count]`. */
export function countReport(groups: [string, number][], title = 'Leads by source'): Report {
  const count = groups.reduce((total, [, each]) => total + each, 0);
  return {
    query: { entity: 'Lead', filters: [], measure: { kind: 'count' }, groupBy: { field: 'source', label: 'Source' } },
    entity: { name: 'Lead', label: 'Lead', plural: 'Leads', keyFields: [], fieldType: () => undefined },
    title,
    total: { key: null, label: 'Total', count, sums: [] },
    groups: groups.map(([label, each]) => ({ key: label, label, count: each, sums: [] })),
    scanned: count,
    matched: count,
    readAt: new Date('2026-12-07T12:00:00Z'),
  };
}
