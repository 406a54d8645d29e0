import { AppError } from '../errors.js';
import type { Clock, EntityDirectory, EntityInfo, Filter, Tenant } from '../ports.js';
import type { EntityTerms, Vocabulary } from '../understanding/ports.js';
import { timeFilters, type TimeSpec } from '../understanding/time.js';
import type { RecordScan } from './ports.js';
import type { Amount, Report, ReportGroup, ReportQuery } from './types.js';
import { filterText } from '../text.js';

export interface ReportLimits {
  /** The most records one report reads. */
  maxRecords: number;
  /** How long one report may read, in ms. */
  timeMs: number;
  /** How long an answer is reused for the same tenant and query, in ms. */
  cacheTtlMs: number;
  /** The most answers kept. */
  cacheSize: number;
}

export const REPORT_LIMITS: ReportLimits = { maxRecords: 10_000, timeMs: 10_000, cacheTtlMs: 60_000, cacheSize: 500 };

export interface ReportServiceDeps {
  scan: RecordScan;
  /** The CRM's vocabulary for a tenant: enum option order, the pipeline's open group, amount and probability. */
  vocabularyFor(tenant: Tenant): Promise<Vocabulary>;
  entities: EntityDirectory;
  /** What day it is, and when an answer was read: the app's clock. */
  clock: Clock;
  /**
   * Real time (epoch ms), for the read's deadline: the app's clock may be a test's fixed day, but a
   * read takes real time. Default: Date.now.
   */
  timer?: () => number;
  limits?: Partial<ReportLimits>;
}

export interface PipelineOptions {
  /** The close dates to count: a range or a month, as the understanding layer reads time (`timeAt`). */
  period?: TimeSpec;
  /** Only this owner's records (a CRM user id): "my pipeline". */
  ownerId?: string;
  /** For the period's days: when and where the person is. */
  now: Date;
  timeZone: string;
}

interface Accumulator {
  key: string | null;
  label?: string;
  count: number;
  /** Sums per currency ('' without one). */
  sums: Map<string, number>;
  weighted: Map<string, number>;
  converted: number;
  weightedConverted: number;
}

const accumulator = (key: string | null): Accumulator => ({
  key,
  count: 0,
  sums: new Map(),
  weighted: new Map(),
  converted: 0,
  weightedConverted: 0,
});

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

/** "status = New", "closeDate ≥ 2026-10-01": the filters as a title says them. */
function filterWords(filters: Filter[]): string {
  return filters.map(filterText).join(', ');
}

/** The same query always gives the same text, whatever order its keys were written in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Totals and breakdowns (issue 15): every record a query matches is read, bounded by a record count
 * and a time, only the fields the report needs, and counted, summed and weighted here. Sums keep
 * each currency apart unless the CRM converted them with rates it has. The same tenant asking the
 * same thing within a minute gets the answer already read; two at once share one read.
 */
export class ReportService {
  private readonly limits: ReportLimits;
  private readonly answers = new Map<string, { report: Promise<Report>; until: number }>();

  constructor(private readonly deps: ReportServiceDeps) {
    this.limits = { ...REPORT_LIMITS, ...deps.limits };
  }

  async run(
    tenant: Tenant,
    query: ReportQuery,
    options: { understood?: string; title?: string } = {},
  ): Promise<Report> {
    const report = await this.answer(tenant, query);
    return {
      ...report,
      ...(options.title ? { title: options.title } : {}),
      ...(options.understood ? { understood: options.understood } : {}),
    };
  }

  /**
   * The pipeline: the open records of the type that has an amount and an open state (deals), by
   * their state, amount summed and weighted by probability; `period` bounds their natural date (a
   * deal's close date), `ownerId` keeps one person's.
   */
  async pipelineQuery(tenant: Tenant, options: PipelineOptions): Promise<{ query: ReportQuery; title: string }> {
    const vocabulary = await this.deps.vocabularyFor(tenant);
    const terms = vocabulary.entities().find((entity) => entity.amount && entity.openGroup && entity.probability);
    if (!terms?.amount || !terms.openGroup)
      throw new AppError('bad_input', 'This CRM has no pipeline: no record type with an amount and an open stage.');
    const { field, op, values } = terms.openGroup;
    const filters: Filter[] = [{ field, op, value: values }];
    const title = ['Pipeline'];
    if (options.period) {
      const time = timeFilters(options.period, terms.naturalDate, terms, options.now, options.timeZone);
      if (!time) throw new AppError('bad_input', `The pipeline cannot be read for ${options.period.label}.`);
      filters.push(...time.filters);
      title.push(time.label);
    }
    if (options.ownerId) {
      if (!terms.owner) throw new AppError('bad_input', `${terms.plural} have no owner to pick yours by.`);
      filters.push({ field: terms.owner, op: 'equals', value: options.ownerId });
      title.push('yours');
    }
    const enumTerm = terms.enums.find((term) => term.field === field);
    return {
      query: {
        entity: terms.entity,
        filters,
        measure: { kind: 'sum', field: terms.amount.field, label: terms.amount.label },
        groupBy: { field, label: enumTerm?.label ?? field },
        weighted: true,
      },
      title: title.join(' · '),
    };
  }

  /** The cached answer, the read under way for the same question, or a new read. */
  private answer(tenant: Tenant, query: ReportQuery): Promise<Report> {
    const now = this.deps.clock.now().getTime();
    const key = `${tenant.key}\n${stableJson(query)}`;
    const known = this.answers.get(key);
    if (known && known.until > now) return known.report;
    for (const [old, entry] of this.answers) if (entry.until <= now) this.answers.delete(old);
    while (this.answers.size >= this.limits.cacheSize) this.answers.delete(this.answers.keys().next().value!);
    // Under way: kept until it ends, then for the TTL from when it ended; a failure is not kept.
    const entry = { report: this.read(tenant, query), until: Number.POSITIVE_INFINITY };
    this.answers.set(key, entry);
    entry.report.then(
      () => {
        entry.until = this.deps.clock.now().getTime() + this.limits.cacheTtlMs;
      },
      () => {
        if (this.answers.get(key) === entry) this.answers.delete(key);
      },
    );
    return entry.report;
  }

  private async read(tenant: Tenant, query: ReportQuery): Promise<Report> {
    const entity = this.deps.entities.resolve(query.entity);
    const terms = (await this.deps.vocabularyFor(tenant)).entities().find((term) => term.entity === entity.name);
    const { measure, groupBy } = query;
    const money = measure.kind === 'sum' && entity.fieldType(measure.field) === 'currency';
    const moneyAttributes = money && measure.kind === 'sum' ? this.deps.scan.money(measure.field) : undefined;
    const probability = query.weighted ? terms?.probability : undefined;
    if (query.weighted && !probability)
      throw new AppError('bad_input', `${entity.plural} have no probability to weigh their amounts by.`);
    const labelField = groupBy && linkNameOf(entity, groupBy.field);
    // A bare count is EspoCRM's own total: one record read, not all of them.
    const countOnly = measure.kind === 'count' && !groupBy;
    const select = [
      'id',
      ...(measure.kind === 'sum' ? [measure.field] : []),
      ...(moneyAttributes ? [moneyAttributes.currency, moneyAttributes.converted] : []),
      ...(probability ? [probability] : []),
      ...(groupBy ? [groupBy.field] : []),
      ...(labelField ? [labelField] : []),
    ];
    const readAt = this.deps.clock.now();
    const scanned = await this.deps.scan.scan(tenant, {
      entity: entity.name,
      filters: query.filters,
      select: [...new Set(select)],
      maxRecords: countOnly ? 1 : this.limits.maxRecords,
      deadline: (this.deps.timer ?? Date.now)() + this.limits.timeMs,
    });

    const total = accumulator(null);
    const groups = new Map<string | null, Accumulator>();
    let allConverted = true;
    for (const record of scanned.records) {
      const targets = [total];
      if (groupBy) {
        const key = keyOf(record[groupBy.field]);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = accumulator(key)));
        if (group.label === undefined && labelField && typeof record[labelField] === 'string')
          group.label = record[labelField];
        targets.push(group);
      }
      const value = measure.kind === 'sum' ? numberOf(record[measure.field]) : undefined;
      const currency = moneyAttributes ? String(record[moneyAttributes.currency] ?? '') : '';
      const converted = moneyAttributes ? numberOf(record[moneyAttributes.converted]) : undefined;
      if (value !== undefined && converted === undefined) allConverted = false;
      // A record without a probability weighs nothing, as in EspoCRM's own weighted amount (NULL).
      const chance = probability ? (numberOf(record[probability]) ?? 0) / 100 : 0;
      for (const target of targets) {
        target.count += 1;
        if (value === undefined) continue;
        add(target.sums, currency, value);
        if (probability) add(target.weighted, currency, value * chance);
        if (converted !== undefined) {
          target.converted += converted;
          target.weightedConverted += converted * chance;
        }
      }
    }

    const currencies = [...total.sums.keys()];
    let currencyMode: Report['currency'];
    if (moneyAttributes && currencies.length > 1) {
      const facts = await this.deps.scan.currencies(tenant);
      const rated = new Set([facts.into, ...facts.rated]);
      currencyMode =
        allConverted && currencies.every((code) => rated.has(code))
          ? { mode: 'converted', into: facts.into }
          : { mode: 'separate' };
    }
    // Several currencies kept apart: the largest first, in the same order in every group.
    const order = [...total.sums.entries()].sort(([, a], [, b]) => b - a).map(([code]) => code);
    const amounts = (sums: Map<string, number>, converted: number): Amount[] => {
      if (measure.kind !== 'sum') return [];
      if (currencyMode?.mode === 'converted') return [{ value: converted, currency: currencyMode.into }];
      return order
        .filter((code) => sums.has(code))
        .map((code) => ({ value: sums.get(code)!, ...(code ? { currency: code } : {}) }));
    };
    const finish = (acc: Accumulator, label: string): ReportGroup => ({
      key: acc.key,
      label,
      count: acc.count,
      sums: amounts(acc.sums, acc.converted),
      ...(probability ? { weighted: amounts(acc.weighted, acc.weightedConverted) } : {}),
    });

    const options = groupBy && entity.fieldType(groupBy.field) === 'enum' ? enumOptions(terms, groupBy.field) : [];
    const finished = [...groups.values()].map((acc) => finish(acc, labelOf(acc, options)));
    const matched = Math.max(scanned.total, scanned.records.length);
    const counted = finish(total, 'Total');
    return {
      query,
      entity,
      title: titleOf(entity, query),
      // A count is EspoCRM's total, whatever was read; a read cut short bounds only the groups and sums.
      total: measure.kind === 'count' ? { ...counted, count: matched } : counted,
      groups: sortGroups(finished, options, currencyMode?.mode !== 'separate'),
      scanned: countOnly ? matched : scanned.records.length,
      matched,
      ...(scanned.bound && !countOnly ? { bound: scanned.bound } : {}),
      ...(currencyMode ? { currency: currencyMode } : {}),
      readAt,
    };
  }
}

/** `assignedUserId` is a link's id: its records are labelled by the link's name (`assignedUserName`). */
function linkNameOf(entity: EntityInfo, field: string): string | undefined {
  const link = field.endsWith('Id') ? field.slice(0, -2) : undefined;
  return link && entity.fieldType(link) === 'link' ? `${link}Name` : undefined;
}

function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** A group's key: the value as text; nothing (null, an empty enum option) is the "None" group. */
function keyOf(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
}

function enumOptions(terms: EntityTerms | undefined, field: string): { value: string; label: string }[] {
  return terms?.enums.find((term) => term.field === field)?.options ?? [];
}

function labelOf(acc: Accumulator, options: { value: string; label: string }[]): string {
  if (acc.key === null) return 'None';
  if (acc.label) return acc.label;
  if (acc.key === 'true' || acc.key === 'false') return acc.key === 'true' ? 'Yes' : 'No';
  return options.find((option) => option.value === acc.key)?.label ?? acc.key;
}

/**
 * An enum's groups in its options' order; others largest first, by their amount when it is in one
 * currency (amounts in several cannot be compared, so then by count); "None" last either way.
 */
function sortGroups(groups: ReportGroup[], options: { value: string }[], oneCurrency: boolean): ReportGroup[] {
  const size = (group: ReportGroup) => (oneCurrency ? (group.sums[0]?.value ?? group.count) : group.count);
  const position = (group: ReportGroup) => {
    const index = options.findIndex((option) => option.value === group.key);
    return index < 0 ? options.length : index;
  };
  return groups.sort(
    (a, b) =>
      Number(a.key === null) - Number(b.key === null) ||
      position(a) - position(b) ||
      size(b) - size(a) ||
      b.count - a.count ||
      a.label.localeCompare(b.label),
  );
}

function titleOf(entity: EntityInfo, query: ReportQuery): string {
  const what = query.measure.kind === 'sum' ? `${entity.plural}: ${query.measure.label}` : entity.plural;
  const by = query.groupBy ? ` by ${query.groupBy.label}` : '';
  const where = query.filters.length ? ` · ${filterWords(query.filters)}` : '';
  return `${what}${by}${where}`;
}
