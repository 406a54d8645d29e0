import type { EntityDirectory, EntityInfo, FieldView, ProxyRequest, RecordAddress } from '../../core/ports.js';
import entityFields from './entity-fields.json' with { type: 'json' };
import fieldTypes from './field-types.json' with { type: 'json' };
import { SYSTEM_FIELDS } from './system-fields.js';

/**
 * What the bot knows about EspoCRM's default entities: the words people use for them, how actions
 * for them are named in Membrane's EspoCRM package, the fields worth showing on a card, and the
 * status field their stream keeps apart (scopes `statusField`).
 * Field types (field-types.json) and the writable fields with their types, required marks and
 * enum options (entity-fields.json) come from EspoCRM 10's entityDefs, generated from shared/data.
 */
interface EntityDefinition {
  label: string;
  plural: string;
  aliases: string[];
  keyFields: FieldView[];
  /** EspoCRM's scopes `statusField` (Modules/Crm/Resources/metadata/scopes/*.json). */
  statusField?: string;
}

const f = (field: string, label: string, format: FieldView['format'] = 'text'): FieldView => ({ field, label, format });

const DEFINITIONS: Record<string, EntityDefinition> = {
  Lead: {
    label: 'Lead',
    plural: 'Leads',
    aliases: ['lead', 'leads', 'prospect', 'prospects'],
    statusField: 'status',
    keyFields: [
      f('status', 'Status', 'enum'),
      f('source', 'Source', 'enum'),
      f('emailAddress', 'Email', 'email'),
      f('phoneNumber', 'Phone', 'phone'),
      f('accountName', 'Account'),
    ],
  },
  Contact: {
    label: 'Contact',
    plural: 'Contacts',
    aliases: ['contact', 'contacts', 'person', 'people', 'persons'],
    keyFields: [
      f('accountName', 'Account'),
      f('title', 'Title'),
      f('emailAddress', 'Email', 'email'),
      f('phoneNumber', 'Phone', 'phone'),
    ],
  },
  Account: {
    label: 'Account',
    plural: 'Accounts',
    aliases: [
      'account',
      'accounts',
      'organization',
      'organizations',
      'organisation',
      'organisations',
      'company',
      'companies',
      'org',
      'orgs',
    ],
    keyFields: [
      f('type', 'Type', 'enum'),
      f('industry', 'Industry', 'enum'),
      f('website', 'Website', 'url'),
      f('emailAddress', 'Email', 'email'),
      f('phoneNumber', 'Phone', 'phone'),
    ],
  },
  Opportunity: {
    label: 'Opportunity',
    plural: 'Opportunities',
    aliases: ['opportunity', 'opportunities', 'opp', 'opps', 'deal', 'deals', 'pipeline'],
    statusField: 'stage',
    keyFields: [
      f('stage', 'Stage', 'enum'),
      f('amount', 'Amount', 'currency'),
      f('closeDate', 'Close date', 'date'),
      f('accountName', 'Account'),
      f('assignedUserName', 'Assigned to'),
    ],
  },
  Task: {
    label: 'Task',
    plural: 'Tasks',
    aliases: ['task', 'tasks', 'todo', 'todos', 'reminder', 'reminders', 'remind'],
    statusField: 'status',
    keyFields: [
      f('status', 'Status', 'enum'),
      f('priority', 'Priority', 'enum'),
      f('dateEnd', 'Due', 'datetime'),
      f('assignedUserName', 'Assigned to'),
      f('parentName', 'Related to'),
    ],
  },
  Meeting: {
    label: 'Meeting',
    plural: 'Meetings',
    aliases: ['meeting', 'meetings'],
    statusField: 'status',
    keyFields: [
      f('status', 'Status', 'enum'),
      f('dateStart', 'Starts', 'datetime'),
      f('dateEnd', 'Ends', 'datetime'),
      f('parentName', 'Related to'),
    ],
  },
  Call: {
    label: 'Call',
    plural: 'Calls',
    aliases: ['call', 'calls'],
    statusField: 'status',
    keyFields: [
      f('status', 'Status', 'enum'),
      f('direction', 'Direction', 'enum'),
      f('dateStart', 'When', 'datetime'),
      f('parentName', 'Related to'),
    ],
  },
  Case: {
    label: 'Case',
    plural: 'Cases',
    aliases: ['case', 'cases', 'ticket', 'tickets'],
    statusField: 'status',
    keyFields: [
      f('number', 'Number', 'number'),
      f('status', 'Status', 'enum'),
      f('priority', 'Priority', 'enum'),
      f('type', 'Type', 'enum'),
      f('accountName', 'Account'),
    ],
  },
  Document: {
    label: 'Document',
    plural: 'Documents',
    aliases: ['document', 'documents', 'doc', 'docs'],
    keyFields: [f('status', 'Status', 'enum'), f('type', 'Type', 'enum'), f('publishDate', 'Published', 'date')],
  },
  Email: {
    label: 'Email',
    plural: 'Emails',
    aliases: ['email', 'emails', 'mail'],
    keyFields: [
      f('status', 'Status', 'enum'),
      f('fromString', 'From'),
      f('dateSent', 'Sent', 'datetime'),
      f('parentName', 'Related to'),
    ],
  },
  User: {
    label: 'User',
    plural: 'Users',
    aliases: ['user', 'users', 'rep', 'reps', 'colleague', 'colleagues'],
    keyFields: [
      f('userName', 'User name'),
      f('emailAddress', 'Email', 'email'),
      f('title', 'Title'),
      f('isActive', 'Active', 'bool'),
    ],
  },
};

const TYPES = fieldTypes as Record<string, Record<string, string>>;

const BY_WORD = new Map<string, string>();
for (const [name, definition] of Object.entries(DEFINITIONS)) {
  for (const alias of definition.aliases) BY_WORD.set(alias, name);
}

/** The words people use for a built-in entity (`deal`, `deals`, `pipeline`); none for others. */
export function aliasesOf(entity: string): readonly string[] {
  return DEFINITIONS[entity]?.aliases ?? [];
}

/** Lowercase, singular and plural forms of an entity's name as Membrane's action keys use them. */
export function actionNouns(entity: string): { singular: string; plural: string } {
  const definition = DEFINITIONS[entity];
  const singular = (definition?.label ?? entity).toLowerCase();
  return { singular, plural: (definition?.plural ?? pluralize(entity)).toLowerCase() };
}

function pluralize(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

function singularize(word: string): string {
  if (/ies$/i.test(word)) return `${word.slice(0, -3)}y`;
  if (/(sses|xes|zes|ches|shes)$/i.test(word)) return word.slice(0, -2);
  if (/[^s]s$/i.test(word)) return word.slice(0, -1);
  return word;
}

function info(name: string): EntityInfo {
  const definition = DEFINITIONS[name];
  const types = TYPES[name];
  if (definition) {
    const assignedUser = writableFields(name)?.find((field) => field.name === 'assignedUserId');
    return {
      name,
      label: definition.label,
      plural: definition.plural,
      keyFields: definition.keyFields,
      // Own keys only: `constructor` is a word someone may type, not a field.
      fieldType: (field) => (types && Object.hasOwn(types, field) ? types[field] : undefined),
      fields: () => Object.keys(types ?? {}),
      ...(assignedUser ? { assignedUser: { required: assignedUser.required === true } } : {}),
      ...(definition.statusField ? { statusField: definition.statusField } : {}),
    };
  }
  return { name, label: name, plural: pluralize(name), keyFields: [], fieldType: () => undefined };
}

export class EspoEntityDirectory implements EntityDirectory {
  resolve(word: string): EntityInfo {
    const known =
      BY_WORD.get(word.toLowerCase()) ??
      Object.keys(DEFINITIONS).find((name) => name.toLowerCase() === word.toLowerCase());
    if (known) return info(known);
    // Custom entities are tried by their EspoCRM name: `projects` → `Project`, `CProject` stays as typed.
    const isTyped = /^[A-Z]/.test(word);
    const name = isTyped ? word : singularize(word).replace(/^./, (c) => c.toUpperCase());
    return info(name);
  }

  words(): string[] {
    return Object.values(DEFINITIONS).map((definition) => definition.aliases[0]!);
  }

  isRecordType(name: string): boolean {
    return name in DEFINITIONS || /^C[A-Z][A-Za-z0-9_]*$/.test(name);
  }

  mentionedIn(text: string): string[] {
    const found = new Set<string>();
    for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
      const entity = BY_WORD.get(word);
      if (entity) found.add(entity);
    }
    return [...found];
  }

  fieldGuide(entity: string, known: ReadonlySet<string> = new Set()): string | undefined {
    const fields = writableFields(entity)?.filter((field) => !known.has(field.name));
    return fields?.length ? fields.map(guideEntry).join(', ') : undefined;
  }

  isSystemField(field: string): boolean {
    return SYSTEM_FIELDS.has(field);
  }

  creationField(): string {
    return 'createdAt';
  }

  recordNamedIn(text: string): RecordAddress | undefined {
    return recordNamedIn(text);
  }

  recordAt(fragment: string): RecordAddress | undefined {
    return recordAt(fragment);
  }

  createRequest(entity: string, body: Record<string, unknown>): ProxyRequest {
    return { method: 'POST', path: recordPath(entity), body };
  }

  /**
   * The REST API is reached only for records: `/Lead`, `/CProject/{id}`, not `/App`, `/Settings` or `/Admin/...`; users
   * are read, never changed.
   */
  refusalOf(request: ProxyRequest): string | undefined {
    const resource = /^\/([^/?]+)/.exec(request.path)?.[1] ?? '';
    if (!this.isRecordType(resource))
      return `${resource || request.path} is not a record type; use a path like /Call or /Lead/{id}.`;
    if (resource === 'User' && request.method !== 'GET') return 'Users can only be read.';
    return undefined;
  }

  recordOfPath(path: string): RecordAddress | undefined {
    const [, entity, id] = /^\/([^/?]+)\/([^/?]+)/.exec(path) ?? [];
    return entity && id ? { entity, id } : undefined;
  }

  /** Membrane's create actions are keyed `create-<entity>`; EspoCRM creates with `POST /<Entity>`. */
  createdBy(write: { actionKey: string } | { request: ProxyRequest }): string | undefined {
    if ('actionKey' in write) return /^create-(.+)$/.exec(write.actionKey)?.[1];
    return write.request.method === 'POST' ? /^\/([A-Za-z][A-Za-z0-9_]*)\/?$/.exec(write.request.path)?.[1] : undefined;
  }
}

/** EspoCRM's REST path of an entity's records, or of one record: `/Lead`, `/Lead/5f3a…`. */
export function recordPath(entity: string, id?: string): string {
  return `/${encodeURIComponent(entity)}${id ? `/${encodeURIComponent(id)}` : ''}`;
}

/** A field EspoCRM accepts on create and update, as its REST API names it (`accountId` for a link). */
export interface WritableField {
  name: string;
  type:
    | 'varchar'
    | 'text'
    | 'email'
    | 'url'
    | 'phone'
    | 'enum'
    | 'int'
    | 'float'
    | 'currency'
    | 'bool'
    | 'date'
    | 'datetime'
    | 'id';
  required?: boolean;
  options?: string[];
  /** For `id` fields of links: the entity they point to. */
  target?: string;
}

/** The writable fields of a built-in entity, in EspoCRM's order; undefined for custom entities. */
export function writableFields(entity: string): WritableField[] | undefined {
  return (entityFields as Record<string, WritableField[]>)[entity];
}

function guideEntry(field: WritableField): string {
  const name = `${field.name}${field.required ? '*' : ''}`;
  switch (field.type) {
    case 'enum':
      return field.options?.length && field.options.length <= 16 ? `${name} [${field.options.join('|')}]` : name;
    case 'id':
      return field.name === 'parentId' ? `${name} (id of parentType)` : `${name} (id of ${field.target || 'record'})`;
    case 'currency':
      return `${name} (number; ${field.name}Currency e.g. USD)`;
    case 'datetime':
      return `${name} (UTC 'YYYY-MM-DD HH:mm:ss')`;
    case 'varchar':
    case 'text':
      return name;
    default:
      return `${name} (${field.type})`;
  }
}

/** The EspoCRM web address of a record, e.g. https://crm.example.com/#Lead/view/5f3a... */
export function recordUrl(siteUrl: string | undefined, entity: string, id: string): string | undefined {
  return siteUrl ? `${siteUrl}/${recordFragment(encodeURIComponent(entity), encodeURIComponent(id))}` : undefined;
}

/** A record's address after the site URL: `#Lead/view/5f3a…`. */
function recordFragment(entity: string, id: string): string {
  return `#${entity}/view/${id}`;
}

const RECORD_FRAGMENT = /#([A-Za-z]\w*)\/view\/([\w-]+)/;
/** EspoCRM's ids are 17 characters, or a UUID's 36; anything much longer in a link is not one. */
const MAX_LINKED_ID = 64;

/**
 * The record a text names by its EspoCRM web address, wherever the address sits (a pasted link, Slack's link markup).
 */
export function recordNamedIn(text: string): RecordAddress | undefined {
  const match = RECORD_FRAGMENT.exec(text);
  return match ? { entity: match[1]!, id: match[2]! } : undefined;
}

/** The record a URL's fragment is exactly the address of, nothing before or after it. */
export function recordAt(fragment: string): RecordAddress | undefined {
  const record = recordNamedIn(fragment);
  return record && record.id.length <= MAX_LINKED_ID && recordFragment(record.entity, record.id) === fragment
    ? record
    : undefined;
}
