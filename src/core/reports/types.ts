import type { EntityInfo, Filter } from '../ports.js';

// The plain data of reports (totals, breakdowns, the pipeline): what core computes and the Slack
// layer renders as numbers and a chart. No behaviour here, so any layer may import it.

/** What each group adds up: its records, or a number field (a deal's amount). */
export type Measure = { kind: 'count' } | { kind: 'sum'; field: string; label: string };

export interface ReportQuery {
  entity: string;
  filters: Filter[];
  measure: Measure;
  /** The field the records are broken down by (`stage`, `source`, `assignedUserId`); none: one total. */
  groupBy?: { field: string; label: string };
  /** The pipeline: each amount also weighted by the record's probability. */
  weighted?: boolean;
}

/** An amount of money, or of a number field without a currency (`currency` undefined). */
export interface Amount {
  value: number;
  currency?: string;
}

/** One group of a breakdown, or the total of all of them. */
export interface ReportGroup {
  /** The stored value the group stands for (`Closed Won`, a user id); null: records without one. */
  key: string | null;
  /** What people read (`Closed Won`, the user's name, "None"). */
  label: string;
  count: number;
  /** The sum, one amount per currency when they could not be converted into one; empty for a count. */
  sums: Amount[];
  /** The sums weighted by probability, for the pipeline. */
  weighted?: Amount[];
}

export interface Report {
  query: ReportQuery;
  entity: EntityInfo;
  /** "Pipeline · close date this quarter", "Leads by source". */
  title: string;
  total: ReportGroup;
  /** In the field's own order (stages as the CRM lists them), else largest first; empty without groupBy. */
  groups: ReportGroup[];
  /** Records read, and how many matched in all: fewer read than matched means the read was bounded. */
  scanned: number;
  matched: number;
  /** Why the read stopped before the end: too many records, or too long. */
  bound?: 'records' | 'time';
  /** Amounts in several currencies: converted with the CRM's rates into one, or kept apart. */
  currency?: { mode: 'converted'; into: string } | { mode: 'separate' };
  /** How a plain-language request was understood, in one line, when it came as words. */
  understood?: string;
  /** When the numbers were read: a cached answer is as old as this. */
  readAt: Date;
}
