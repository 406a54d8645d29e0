import type { DateTerm, EntityTerms, GroupTerm, Vocabulary } from '../../core/understanding/ports.js';
import { EspoEntityDirectory, aliasesOf, writableFields } from './entities.js';

/**
 * EspoCRM's words for the understanding layer: which date a type is "about", its amount, its enum
 * options (entity-fields.json, from EspoCRM's entityDefs) and the groups its own list filters use.
 * The groups follow EspoCRM's primary filters: a deal is open unless Closed Won or Closed Lost
 * (Opportunity `open`), a task is actual unless Completed or Canceled (Task `actual`), a lead is
 * actual unless Converted, Recycled or Dead (Lead `actual`), a case open unless Closed, Rejected or
 * Duplicate (Case `open`).
 */
const directory = new EspoEntityDirectory();

const date = (field: string, label: string, type: DateTerm['type'] = 'datetime'): DateTerm => ({ field, label, type });
const CREATED = date('createdAt', 'created');
const MODIFIED = date('modifiedAt', 'modified');
const OPEN_WORDS = ['open', 'active', 'current', 'pending', 'outstanding', 'ongoing'];

function group(words: string[], field: string, op: GroupTerm['op'], values: string[]): GroupTerm {
  const description = op === 'in' ? `${field} is ${values.join(' or ')}` : `${field} is not ${values.join(' or ')}`;
  return { words, field, op, values, description };
}

/** Everyday words for one enum value: "web", "website" for the source `Web Site`. */
const synonym = (words: string[], field: string, value: string) => group(words, field, 'in', [value]);
/** Where a deal or a lead came from, in a rep's words. */
const sources = (field: string) => [
  synonym(['web', 'website', 'online'], field, 'Web Site'),
  synonym(['referral', 'referrals', 'partner', 'partners'], field, 'Partner'),
];
/** An account's type, said as what the company is to us: "customers", "resellers". */
const accountType = (value: string, words: string[]) => ({ ...synonym(words, 'type', value), namesType: true });

interface Definition {
  naturalDate: DateTerm;
  stateDates?: EntityTerms['stateDates'];
  amount?: { field: string; label: string };
  probability?: string;
  groups?: GroupTerm[];
  openGroup?: GroupTerm;
  contactFields?: EntityTerms['contactFields'];
  openWords?: string[];
  company?: EntityTerms['company'];
}

const CONTACT_FIELDS: EntityTerms['contactFields'] = [
  { words: ['email', 'mail', 'address'], field: 'emailAddress' },
  { words: ['phone', 'number', 'mobile', 'cell'], field: 'phoneNumber' },
];
const openDeals = group(OPEN_WORDS, 'stage', 'notIn', ['Closed Won', 'Closed Lost']);
const openTasks = group([...OPEN_WORDS, 'unfinished', 'incomplete', 'todo'], 'status', 'notIn', [
  'Completed',
  'Canceled',
]);
const openLeads = group(OPEN_WORDS, 'status', 'notIn', ['Converted', 'Recycled', 'Dead']);
const openCases = group(OPEN_WORDS, 'status', 'notIn', ['Closed', 'Rejected', 'Duplicate']);

const DEFINITIONS: Record<string, Definition> = {
  Opportunity: {
    naturalDate: date('closeDate', 'close date', 'date'),
    // A pipeline is the deals still in play.
    openWords: ['pipeline'],
    amount: { field: 'amount', label: 'amount' },
    // EspoCRM sets it from the stage's probabilityMap (Modules/Crm/Resources/metadata/entityDefs/Opportunity.json).
    probability: 'probability',
    groups: [
      openDeals,
      group(['won', 'win'], 'stage', 'in', ['Closed Won']),
      group(['lost'], 'stage', 'in', ['Closed Lost']),
      group(['closed'], 'stage', 'in', ['Closed Won', 'Closed Lost']),
      ...sources('leadSource'),
    ],
    openGroup: openDeals,
    company: { field: 'accountId', by: 'id' },
  },
  Task: {
    naturalDate: date('dateEnd', 'due date'),
    // What is still to do: a finished to-do is no longer one.
    openWords: ['todo', 'todos'],
    groups: [
      openTasks,
      group(['done', 'finished'], 'status', 'in', ['Completed']),
      // "in progress": EspoCRM's Started.
      synonym(['progress'], 'status', 'Started'),
    ],
    openGroup: openTasks,
    // EspoCRM sets a task's dateCompleted when its status becomes Completed.
    stateDates: [{ field: 'status', values: ['Completed'], date: date('dateCompleted', 'completed') }],
  },
  Meeting: { naturalDate: date('dateStart', 'start') },
  Call: { naturalDate: date('dateStart', 'start') },
  Lead: {
    naturalDate: CREATED,
    amount: { field: 'opportunityAmount', label: 'opportunity amount' },
    groups: [openLeads, ...sources('source')],
    contactFields: CONTACT_FIELDS,
    // A lead's company is text until it is converted to an account.
    company: { field: 'accountName', by: 'name' },
  },
  Contact: { naturalDate: CREATED, contactFields: CONTACT_FIELDS, company: { field: 'accountId', by: 'id' } },
  Account: {
    naturalDate: CREATED,
    groups: [
      accountType('Customer', ['customer', 'customers', 'clients']),
      accountType('Reseller', ['reseller', 'resellers']),
      accountType('Partner', ['partners']),
      accountType('Investor', ['investors']),
    ],
    contactFields: [...CONTACT_FIELDS, { words: ['website', 'site'], field: 'website' }],
  },
  Case: { naturalDate: CREATED, groups: [openCases], openGroup: openCases },
};

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

function terms(entity: string, definition: Definition): EntityTerms {
  const info = directory.resolve(entity);
  const fields = writableFields(entity) ?? [];
  const aliases = [...aliasesOf(entity)];
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
    ...(definition.probability ? { probability: definition.probability } : {}),
    ...(fields.some((field) => field.name === 'assignedUserId') ? { owner: 'assignedUserId' } : {}),
    enums: fields
      // A parent's type is a record type, not a value people filter by in words.
      .filter((field) => field.type === 'enum' && field.options?.length && field.name !== 'parentType')
      .map((field) => ({
        field: field.name,
        label: field.name,
        options: field.options!.map((value) => ({ value, label: labelOf(value) })),
      })),
    groups: definition.groups ?? [],
    ...(definition.openGroup ? { openGroup: definition.openGroup } : {}),
    ...(definition.stateDates ? { stateDates: definition.stateDates } : {}),
    contactFields: definition.contactFields ?? [],
    ...(definition.company ? { company: definition.company } : {}),
  };
}

const ENTITIES: readonly EntityTerms[] = Object.entries(DEFINITIONS).map(([entity, definition]) =>
  terms(entity, definition),
);

export class EspoVocabulary implements Vocabulary {
  readonly users = { entity: 'User', nameField: 'name' };
  readonly companies = { entity: 'Account' };

  entities(): readonly EntityTerms[] {
    return ENTITIES;
  }
}
