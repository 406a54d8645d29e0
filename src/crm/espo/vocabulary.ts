import type { DateTerm, EntityTerms, GroupTerm, Vocabulary } from '../../core/understanding/ports.js';
import { EspoEntityDirectory, aliasesOf, writableFields } from './entities.js';

/**
 * EspoCRM's words for the understanding layer: which date a type is "about", its amount, its enum
 * options and the groups its own list filters use. Options and groups come from the instance's
 * metadata (instance-vocabulary.ts reads it), so a renamed stage is understood as the instance
 * names it; without it, from EspoCRM's stock metadata. The groups follow EspoCRM's primary filters:
 * a deal is open unless its stage's probability is 100 (won) or 0 (lost)
 * (Modules/Crm/Classes/Select/Opportunity/Utils/StageListProvider.php); a task, lead or case is
 * actual/open unless its status is one of the field's `notActualOptions`
 * (Modules/Crm/Classes/Select/{Task,Lead}/PrimaryFilters/Actual.php, CaseObj/PrimaryFilters/Open.php).
 */
const directory = new EspoEntityDirectory();

/** What the vocabulary reads of an enum field in EspoCRM's metadata (`entityDefs.{Entity}.fields.{field}`). */
export interface EnumMetadata {
  options: string[];
  /** A deal stage's probability: 100 is won, 0 is lost. */
  probabilityMap?: Record<string, number | null>;
  /** The statuses EspoCRM's `actual`/`open` filters leave out. */
  notActualOptions?: string[];
  /**
   * `Lead.source`: the options are another field's (a deal's `leadSource` is a lead's `source`), as
   * EspoCRM's enum validation reads them (Classes/FieldValidators/EnumType.php).
   */
  optionsReference?: string;
}

/** Each entity's enum fields by name, as one instance defines them. */
export type EnumsByEntity = ReadonlyMap<string, ReadonlyMap<string, EnumMetadata>>;

const date = (field: string, label: string, type: DateTerm['type'] = 'datetime'): DateTerm => ({ field, label, type });
const CREATED = date('createdAt', 'created');
const MODIFIED = date('modifiedAt', 'modified');
const OPEN_WORDS = ['open', 'active', 'current', 'pending', 'outstanding', 'ongoing'];

/** "Completed, Canceled or Deferred". */
const either = (values: string[]) =>
  values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` : (values[0] ?? '');

function group(words: string[], field: string, op: GroupTerm['op'], values: string[]): GroupTerm {
  const description = op === 'in' ? `${field} is ${either(values)}` : `${field} is not ${either(values)}`;
  return { words, field, op, values, description };
}

/** One entity's enum fields, asked by name. */
class Enums {
  constructor(private readonly fields: ReadonlyMap<string, EnumMetadata>) {}

  options(field: string): string[] {
    return this.fields.get(field)?.options ?? [];
  }

  /** The stages whose probability is `probability` (EspoCRM: won is `== 100`, lost is `=== 0`). */
  stagesAt(field: string, probability: number): string[] {
    const map = this.fields.get(field)?.probabilityMap ?? {};
    // EspoCRM compares won loosely (`== 100`), lost strictly (`=== 0`): a missing entry is neither.
    return this.options(field).filter((stage) =>
      probability === 0 ? map[stage] === 0 : map[stage] != null && Number(map[stage]) === probability,
    );
  }

  notActual(field: string): string[] {
    return this.fields.get(field)?.notActualOptions ?? [];
  }

  /** A group only when it has values: a word for nothing would filter out everything, or nothing. */
  group(words: string[], field: string, op: GroupTerm['op'], values: string[]): GroupTerm[] {
    return values.length ? [group(words, field, op, values)] : [];
  }

  /** Everyday words for one enum value ("web" for the source `Web Site`), when the instance has that value. */
  synonym(words: string[], field: string, value: string, extra: Partial<GroupTerm> = {}): GroupTerm[] {
    return this.options(field).includes(value) ? [{ ...group(words, field, 'in', [value]), ...extra }] : [];
  }
}

/** Where a deal or a lead came from, in a rep's words. */
const sources = (enums: Enums, field: string) => [
  ...enums.synonym(['web', 'website', 'online'], field, 'Web Site'),
  ...enums.synonym(['referral', 'referrals', 'partner', 'partners'], field, 'Partner'),
];
/** An account's type, said as what the company is to us: "customers", "resellers". */
const accountType = (enums: Enums, value: string, words: string[]) =>
  enums.synonym(words, 'type', value, { namesType: true });

/** The groups of a type, and the one a record must be in to be "overdue". */
interface Groups {
  groups: GroupTerm[];
  openGroup?: GroupTerm;
}

interface Definition {
  naturalDate: DateTerm;
  stateDates?: (enums: Enums) => EntityTerms['stateDates'];
  amount?: { field: string; label: string };
  groups?: (enums: Enums) => Groups;
  contactFields?: EntityTerms['contactFields'];
  openWords?: string[];
  company?: EntityTerms['company'];
  breakdown?: string;
  probability?: string;
}

const CONTACT_FIELDS: EntityTerms['contactFields'] = [
  { words: ['email', 'mail', 'address'], field: 'emailAddress' },
  { words: ['phone', 'number', 'mobile', 'cell'], field: 'phoneNumber' },
];

/** "open" leads or cases: every status but those EspoCRM's own filter leaves out. */
function actualGroups(enums: Enums, words = OPEN_WORDS): Groups {
  const [open] = enums.group(words, 'status', 'notIn', enums.notActual('status'));
  return { groups: open ? [open] : [], ...(open ? { openGroup: open } : {}) };
}

const DEFINITIONS: Record<string, Definition> = {
  Opportunity: {
    naturalDate: date('closeDate', 'close date', 'date'),
    // A pipeline is the deals still in play.
    openWords: ['pipeline'],
    amount: { field: 'amount', label: 'amount' },
    breakdown: 'stage',
    // EspoCRM sets it from the stage's probabilityMap (Modules/Crm/Resources/metadata/entityDefs/Opportunity.json).
    probability: 'probability',
    groups: (enums) => {
      const won = enums.stagesAt('stage', 100);
      const lost = enums.stagesAt('stage', 0);
      const [open] = enums.group(OPEN_WORDS, 'stage', 'notIn', [...won, ...lost]);
      return {
        groups: [
          ...(open ? [open] : []),
          // "what did we win": the won deals, without the word "deals".
          ...enums.group(['won', 'win'], 'stage', 'in', won).map((term) => ({ ...term, namesType: true })),
          ...enums.group(['lost'], 'stage', 'in', lost),
          ...enums.group(['closed'], 'stage', 'in', [...won, ...lost]),
          ...sources(enums, 'leadSource'),
        ],
        ...(open ? { openGroup: open } : {}),
      };
    },
    company: { field: 'accountId', by: 'id' },
  },
  Task: {
    naturalDate: date('dateEnd', 'due date'),
    // What is still to do: a finished to-do is no longer one.
    openWords: ['todo', 'todos'],
    breakdown: 'status',
    groups: (enums) => {
      const actual = actualGroups(enums, [...OPEN_WORDS, 'unfinished', 'incomplete', 'todo']);
      return {
        ...actual,
        groups: [
          ...actual.groups,
          ...enums.synonym(['done', 'finished'], 'status', 'Completed'),
          // "in progress": EspoCRM's Started.
          ...enums.synonym(['progress'], 'status', 'Started'),
        ],
      };
    },
    // EspoCRM sets a task's dateCompleted when its status becomes Completed.
    stateDates: (enums) =>
      enums.options('status').includes('Completed')
        ? [{ field: 'status', values: ['Completed'], date: date('dateCompleted', 'completed') }]
        : [],
  },
  Meeting: { naturalDate: date('dateStart', 'start') },
  Call: { naturalDate: date('dateStart', 'start') },
  Lead: {
    naturalDate: CREATED,
    amount: { field: 'opportunityAmount', label: 'opportunity amount' },
    breakdown: 'source',
    groups: (enums) => {
      const actual = actualGroups(enums);
      // A lead is not "overdue": it has no deadline, so its open group is only a word.
      return { groups: [...actual.groups, ...sources(enums, 'source')] };
    },
    contactFields: CONTACT_FIELDS,
    // A lead's company is text until it is converted to an account.
    company: { field: 'accountName', by: 'name' },
  },
  Contact: { naturalDate: CREATED, contactFields: CONTACT_FIELDS, company: { field: 'accountId', by: 'id' } },
  Account: {
    naturalDate: CREATED,
    breakdown: 'type',
    groups: (enums) => ({
      groups: [
        ...accountType(enums, 'Customer', ['customer', 'customers', 'clients']),
        ...accountType(enums, 'Reseller', ['reseller', 'resellers']),
        ...accountType(enums, 'Partner', ['partners']),
        ...accountType(enums, 'Investor', ['investors']),
      ],
    }),
    contactFields: [...CONTACT_FIELDS, { words: ['website', 'site'], field: 'website' }],
  },
  Case: { naturalDate: CREATED, breakdown: 'status', groups: (enums) => actualGroups(enums) },
};

/** The entity types the vocabulary speaks of: the ones whose metadata an instance is asked for. */
export const VOCABULARY_ENTITIES: readonly string[] = Object.keys(DEFINITIONS);

/** "Closed Won" from `Closed Won`, "Not Started" from `Not Started`: EspoCRM's default labels are the values. */
const labelOf = (value: string) => value;

/** The words of a type's aliases that name one record: those whose plural is an alias too. */
function singularWords(aliases: readonly string[]): string[] {
  const pluralsOf = (word: string) => [
    `${word}s`,
    `${word}es`,
    word.replace(/y$/, 'ies'),
    word === 'person' ? 'people' : '',
  ];
  return aliases.filter((word) => pluralsOf(word).some((plural) => plural !== word && aliases.includes(plural)));
}

function terms(entity: string, definition: Definition, fields: ReadonlyMap<string, EnumMetadata>): EntityTerms {
  const info = directory.resolve(entity);
  const enums = new Enums(fields);
  const aliases = [...aliasesOf(entity)];
  const groups = definition.groups?.(enums) ?? { groups: [] };
  const stateDates = definition.stateDates?.(enums);
  return {
    entity,
    plural: info.plural,
    words: aliases,
    singularWords: singularWords(aliases),
    openWords: definition.openWords ?? [],
    naturalDate: definition.naturalDate,
    created: CREATED,
    modified: MODIFIED,
    ...(definition.amount ? { amount: definition.amount } : {}),
    // A breakdown by a field the instance no longer has as an enum would group by nothing.
    ...(definition.breakdown && fields.has(definition.breakdown) ? { breakdown: definition.breakdown } : {}),
    ...(definition.probability ? { probability: definition.probability } : {}),
    ...((writableFields(entity) ?? []).some((field) => field.name === 'assignedUserId')
      ? { owner: 'assignedUserId' }
      : {}),
    enums: [...fields]
      // A parent's type is a record type, not a value people filter by in words.
      .filter(([name, field]) => field.options.length && name !== 'parentType')
      .map(([name, field]) => ({
        field: name,
        label: name,
        options: field.options.filter(Boolean).map((value) => ({ value, label: labelOf(value) })),
      })),
    groups: groups.groups,
    ...(groups.openGroup ? { openGroup: groups.openGroup } : {}),
    ...(stateDates?.length ? { stateDates } : {}),
    contactFields: definition.contactFields ?? [],
    ...(definition.company ? { company: definition.company } : {}),
  };
}

/**
 * EspoCRM's stock metadata for what the bundled field list lacks: a deal stage's probability
 * (Modules/Crm/Resources/metadata/entityDefs/Opportunity.json) and the statuses that are not
 * actual (entityDefs/{Task,Lead,Case}.json).
 */
const STOCK_EXTRAS: Record<string, Record<string, Omit<EnumMetadata, 'options'>>> = {
  Opportunity: {
    leadSource: { optionsReference: 'Lead.source' },
    stage: {
      probabilityMap: {
        Prospecting: 10,
        Qualification: 20,
        Proposal: 50,
        Negotiation: 80,
        'Closed Won': 100,
        'Closed Lost': 0,
      },
    },
  },
  Task: { status: { notActualOptions: ['Completed', 'Canceled', 'Deferred'] } },
  Lead: { status: { notActualOptions: ['Converted', 'Recycled', 'Dead'] } },
  Case: { status: { notActualOptions: ['Closed', 'Rejected', 'Duplicate'] } },
};

/** Each field whose options are another's (`optionsReference`) with that field's options. */
export function withReferencedOptions(enums: EnumsByEntity): EnumsByEntity {
  const optionsAt = (reference: string) => {
    const [entity = '', field = ''] = reference.split('.');
    return enums.get(entity)?.get(field)?.options ?? [];
  };
  return new Map(
    [...enums].map(([entity, fields]) => [
      entity,
      new Map(
        [...fields].map(([name, field]) => [
          name,
          field.optionsReference && !field.options.length
            ? { ...field, options: optionsAt(field.optionsReference) }
            : field,
        ]),
      ),
    ]),
  );
}

/** The enums of a stock EspoCRM: the bundled field list (entity-fields.json) and the extras above. */
export const STOCK_ENUMS: EnumsByEntity = withReferencedOptions(
  new Map(
    VOCABULARY_ENTITIES.map((entity) => {
      const bundled = (writableFields(entity) ?? []).filter((field) => field.type === 'enum' && field.options?.length);
      const fields = new Map<string, EnumMetadata>(bundled.map((field) => [field.name, { options: field.options! }]));
      for (const [name, extra] of Object.entries(STOCK_EXTRAS[entity] ?? {}))
        fields.set(name, { options: fields.get(name)?.options ?? [], ...extra });
      return [entity, fields];
    }),
  ),
);

/** One instance's vocabulary: its enum options and the groups they make; a stock EspoCRM's by default. */
export class EspoVocabulary implements Vocabulary {
  readonly users = { entity: 'User', nameField: 'name' };
  readonly companies = { entity: 'Account' };
  private readonly terms: readonly EntityTerms[];

  constructor(enums: EnumsByEntity = STOCK_ENUMS) {
    this.terms = Object.entries(DEFINITIONS).map(([entity, definition]) =>
      terms(entity, definition, enums.get(entity) ?? STOCK_ENUMS.get(entity) ?? new Map()),
    );
  }

  entities(): readonly EntityTerms[] {
    return this.terms;
  }
}
