import { DEFAULT_PAGE_SIZE } from '../commands/grammar.js';
import type { PersonDirectory } from '../people.js';
import type { CrmGateway, EntityDirectory, Filter, ListQuery, RequestContext, Tenant } from '../ports.js';
import type { Reply } from '../replies.js';
import { commandText } from '../text.js';
import type { ReportQuery } from '../reports/types.js';
import type { EntityTerms, ReportRunner, Vocabulary, VocabularySource } from './ports.js';
import { fieldAskOf, type FieldAsk } from './field-ask.js';
import { describeUnderstanding } from './describe.js';
import { understand, type Understanding } from './understand.js';

export interface UnderstandingDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  vocabulary: VocabularySource;
  people: PersonDirectory;
  /** Totals and breakdowns; without it "how much" is left to the model and counts are EspoCRM's total alone. */
  reports?: ReportRunner;
}

/**
 * `answered`: read from the CRM, the reply says how it was understood. `partial`: some of it was
 * understood, not all; with no model that is what the person is told, with the nearest command.
 */
export type Answer =
  { kind: 'answered'; reply: Reply } | { kind: 'partial'; understood: string; unknown: string[]; command: string };

/** Names that may match a few records: more than this and the person should say more. */
const MAX_CHOICES = 5;
/** Records a field ask reads per type to find the one whose name it is. */
const FIELD_ASK_CANDIDATES = 10;

/** Each word of the asked name starts a word of the record's name: "Acme" is "Acme Corp", "Carol N" is "Carol Nguyen". */
function namedLike(recordName: string | undefined, asked: string): boolean {
  const words = (recordName ?? '').toLowerCase().split(/\s+/);
  return asked
    .toLowerCase()
    .split(/\s+/)
    .every((part) => words.some((word) => word.startsWith(part)));
}

/**
 * The deterministic layer: everyday requests for lists, counts and named records, read against
 * the CRM's vocabulary and answered with one read, without a model. It only reads; anything it
 * does not fully understand is left to the model, or explained.
 */
export class UnderstandingService {
  constructor(private readonly deps: UnderstandingDeps) {}

  async answer(context: RequestContext, tenant: Tenant, text: string, now: Date): Promise<Answer | undefined> {
    const vocabulary = await this.deps.vocabulary.vocabularyFor(tenant);
    const read = understand(text, vocabulary, now, context.timeZone ?? 'UTC');
    if (!read) {
      const ask = fieldAskOf(text, vocabulary);
      return ask && this.answerFieldAsk(tenant, ask);
    }
    const understanding = await this.withCompany(
      tenant,
      vocabulary,
      await this.withColleague(tenant, vocabulary, read),
    );
    if (understanding.unknown.length) return this.partial(understanding);

    const filters = [...understanding.filters];
    let ownerName: string | undefined;
    const { owner, entity } = understanding;
    if (owner && entity.owner) {
      const found = await this.ownerOf(context, tenant, vocabulary, owner, now);
      if (!found) return this.partial({ ...understanding, unknown: [owner.kind === 'me' ? 'my' : owner.name] });
      filters.push({ field: entity.owner, op: 'equals', value: found.id });
      ownerName = found.name;
    }
    const understood = describeUnderstanding(understanding, ownerName);
    const report = this.reportQueryOf(understanding, filters);
    if (report && this.deps.reports) {
      const title = describeUnderstanding(understanding, ownerName, { breakdown: report.groupBy?.label });
      const answer = await this.deps.reports.run(tenant, report, { understood, title });
      return { kind: 'answered', reply: { kind: 'report', report: answer } };
    }
    if (understanding.sum || understanding.breakdown) return this.partial({ ...understanding, unknown: ['how much'] });
    const query: ListQuery = {
      entity: entity.entity,
      filters,
      limit: understanding.count ? 1 : (understanding.limit ?? DEFAULT_PAGE_SIZE),
      offset: 0,
      ...sortOf(understanding),
      // "Globex pilot" is "Globex Field Service Pilot": EspoCRM's `*` stands for any words between.
      ...(understanding.name ? { text: understanding.name.split(/\s+/).join('*') } : {}),
    };
    const info = this.deps.entities.resolve(entity.entity);
    const page = await this.deps.crm.list(tenant, query);
    if (understanding.count && page.total !== undefined)
      return { kind: 'answered', reply: { kind: 'count', entity: info, total: page.total, query, understood } };
    if (understanding.count) return this.partial({ ...understanding, unknown: ['how many'] });
    if (understanding.name) {
      // A name is answered only when it is one record; a few become a choice, none is not "no matches".
      if (page.records.length === 0 || (page.total ?? page.records.length) > MAX_CHOICES)
        return this.partial({ ...understanding, unknown: [understanding.name] });
      if (page.records.length === 1) {
        const record = await this.deps.crm.get(tenant, entity.entity, page.records[0]!.id);
        return { kind: 'answered', reply: { kind: 'record', entity: info, record, understood } };
      }
    }
    return { kind: 'answered', reply: { kind: 'records', entity: info, query, page, understood } };
  }

  /**
   * "Priya's email": answered only when exactly one record of the types with that field has the
   * name in its own name. A search also matches other fields (a lead's company): those are not it.
   */
  private async answerFieldAsk(tenant: Tenant, ask: FieldAsk): Promise<Answer | undefined> {
    const pages = await Promise.all(
      ask.entities.map((entity) =>
        this.deps.crm.list(tenant, {
          entity: entity.entity,
          filters: [],
          text: ask.name,
          limit: FIELD_ASK_CANDIDATES,
          offset: 0,
        }),
      ),
    );
    // More candidates than were read: the one named so may be among the rest.
    if (pages.some((page) => page.hasMore)) return undefined;
    const found = pages.flatMap((page, index) =>
      page.records
        .filter((record) => namedLike(record.name, ask.name))
        .map((record) => ({ entity: ask.entities[index]!, record })),
    );
    if (found.length !== 1) return undefined;
    const [{ entity, record }] = found as [(typeof found)[number]];
    const info = this.deps.entities.resolve(entity.entity);
    return {
      kind: 'answered',
      reply: {
        kind: 'record',
        entity: info,
        record: await this.deps.crm.get(tenant, entity.entity, record.id),
        understood: `${info.label} named like “${ask.name}” · ${ask.field}`,
      },
    };
  }

  /** "for Bo": when the name left unknown is exactly one user's, it says whose records. */
  private async withColleague(
    tenant: Tenant,
    vocabulary: Vocabulary,
    understanding: Understanding,
  ): Promise<Understanding> {
    const { maybeOwner, unknown } = understanding;
    if (!maybeOwner || unknown.length !== 1 || unknown[0] !== maybeOwner || understanding.owner) return understanding;
    const user = await this.userNamed(tenant, vocabulary, maybeOwner);
    return user ? { ...understanding, owner: { kind: 'user', name: maybeOwner }, unknown: [] } : understanding;
  }

  /** "contacts at Acme": when the name left unknown is exactly one company's, its records are those at it. */
  private async withCompany(
    tenant: Tenant,
    vocabulary: Vocabulary,
    understanding: Understanding,
  ): Promise<Understanding> {
    const { maybeCompany, unknown, entity } = understanding;
    if (!maybeCompany || !entity.company || unknown.join(' ') !== maybeCompany) return understanding;
    const page = await this.deps.crm.list(tenant, {
      entity: vocabulary.companies.entity,
      filters: [],
      text: maybeCompany,
      limit: 2,
      offset: 0,
    });
    const [company] = page.records;
    if (page.records.length !== 1 || !company) return understanding;
    const name = company.name ?? maybeCompany;
    const { field, by } = entity.company;
    return {
      ...understanding,
      filters: [...understanding.filters, { field, op: 'equals', value: by === 'id' ? company.id : name }],
      parts: [...understanding.parts, `at ${name}`],
      unknown: [],
    };
  }

  /** The person's own EspoCRM user, or the one colleague whose name it is. */
  private async ownerOf(
    context: RequestContext,
    tenant: Tenant,
    vocabulary: Vocabulary,
    owner: NonNullable<Understanding['owner']>,
    now: Date,
  ): Promise<{ id: string; name?: string } | undefined> {
    if (owner.kind === 'me') {
      const id = await this.deps.people.crmUserOf(tenant, context.email, now);
      return id ? { id } : undefined;
    }
    return this.userNamed(tenant, vocabulary, owner.name);
  }

  private async userNamed(
    tenant: Tenant,
    vocabulary: Vocabulary,
    name: string,
  ): Promise<{ id: string; name?: string } | undefined> {
    const { entity } = vocabulary.users;
    const page = await this.deps.crm.list(tenant, { entity, filters: [], text: name, limit: 2, offset: 0 });
    const [user] = page.records;
    return page.records.length === 1 && user ? { id: user.id, ...(user.name ? { name: user.name } : {}) } : undefined;
  }

  /**
   * "how much", "by stage", "who has the most", or a count of a type that has a usual breakdown
   * ("how many leads": by source): a report. The pipeline (a sum of open records that have a
   * probability) is also weighted by it.
   */
  private reportQueryOf(understanding: Understanding, filters: Filter[]): ReportQuery | undefined {
    const { entity, sum, breakdown, count } = understanding;
    const usual = entity.breakdown ? { field: entity.breakdown, label: entity.breakdown } : undefined;
    if (!sum && !breakdown && !(count && usual)) return undefined;
    const amount = sum ? entity.amount : undefined;
    const groupBy = breakdown ?? usual;
    const open = entity.openGroup;
    const pipeline = Boolean(
      amount &&
      entity.probability &&
      open &&
      filters.some((filter) => filter.field === open.field && filter.op === open.op),
    );
    return {
      entity: entity.entity,
      filters,
      measure: amount ? { kind: 'sum', field: amount.field, label: amount.label } : { kind: 'count' },
      ...(groupBy ? { groupBy } : {}),
      ...(pipeline ? { weighted: true } : {}),
    };
  }

  private partial(understanding: Understanding): Answer {
    return {
      kind: 'partial',
      understood: describeUnderstanding(understanding),
      unknown: understanding.unknown,
      command: nearestCommand(understanding.entity, understanding.filters),
    };
  }
}

function sortOf(understanding: Understanding): Pick<ListQuery, 'sort'> {
  const { order, entity } = understanding;
  switch (order) {
    case 'amountDesc':
    case 'amountAsc':
      return entity.amount
        ? { sort: { field: entity.amount.field, order: order === 'amountDesc' ? 'desc' : 'asc' } }
        : {};
    case 'newest':
    case 'oldest':
      return { sort: { field: entity.created.field, order: order === 'newest' ? 'desc' : 'asc' } };
    case 'soonest':
      return { sort: { field: entity.naturalDate.field, order: 'asc' } };
    default:
      return {};
  }
}

const SYMBOLS: Partial<Record<Filter['op'], string>> = {
  equals: '=',
  notEquals: '!=',
  greaterThan: '>',
  lessThan: '<',
  greaterThanOrEquals: '>=',
  lessThanOrEquals: '<=',
  in: '=',
  notIn: '!=',
};

/** The command that lists what was understood, with the conditions the command's words can carry. */
function nearestCommand(entity: EntityTerms, filters: Filter[]): string {
  const conditions = filters.flatMap((filter) => {
    const value = Array.isArray(filter.value) ? filter.value.join(',') : String(filter.value);
    const symbol = SYMBOLS[filter.op];
    return symbol && /^[\w.,:-]+$/.test(value) ? [`${filter.field}${symbol}${value}`] : [];
  });
  return commandText(['list', entity.plural.toLowerCase(), ...conditions].join(' '));
}

/** What a person is told when a request was understood in part and there is no model to ask. */
export function partialText(answer: Extract<Answer, { kind: 'partial' }>): string {
  return (
    `I understood: ${answer.understood}. I did not understand “${answer.unknown.join(' ')}”, so I have not looked anything up. ` +
    `The nearest command: ${answer.command}.`
  );
}
