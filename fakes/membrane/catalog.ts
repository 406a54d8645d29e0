// The 20 actions of Membrane's EspoCRM package, with JSON Schemas generated from entities.json.
// Two schema styles on purpose, because real connectors differ and the app must cope with both:
//  - "espo" (Lead, Opportunity): EspoCRM's own shapes: flat inputs, `where` lists, `{ total, list }`.
//  - "membrane" (Contact, Account, Task, User): Membrane's data-collection shapes: `{ filter, cursor,
//    limit }` → `{ records: [{ id, name, fields }], cursor? }`, create `{ fields }` → `{ id }`.
// Sized like Membrane's real actions, so the plain-language bench measures real prompts: every list
// takes an equality filter of a dozen fields, create and update take every writable field, and each
// field carries the DataSchema annotations Membrane's schemas have (title, default, maxLength,
// referenceCollection; SDK dist/dts/data-schema/types.d.ts).
import { builtinEntityDefs, entityAttributes, type AttributeInfo, type ValueType } from '../espocrm/defs.js';
import type { JsonSchema } from './schema.js';

export type { JsonSchema };
export type ActionType = 'list-data-records' | 'find-data-record-by-id' | 'create-data-record' | 'update-data-record';
/** A type Membrane gives actions that are not data-record operations (SDK dist/dts/.../actions/action-types.d.ts). */
export type GenericActionType = 'connector-operation';
export type ActionVerb = 'list' | 'get' | 'create' | 'update';
export type ActionStyle = 'espo' | 'membrane';

export interface ActionDef {
  id: string;
  key: string;
  name: string;
  description: string;
  /** Optional in Membrane's ActionApiResponse (SDK dist/dts/workspace-elements/api/actions-api.d.ts). */
  type?: ActionType | GenericActionType;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

interface EntitySpec {
  entity: string;
  singular: string;
  plural: string;
  style: ActionStyle;
  verbs: ActionVerb[];
}

/** Catalog order: by verb, then entity, as Membrane lists the package. */
const VERBS: ActionVerb[] = ['list', 'get', 'create', 'update'];

const ENTITY_SPECS: EntitySpec[] = [
  { entity: 'User', singular: 'user', plural: 'users', style: 'membrane', verbs: ['list', 'get'] },
  { entity: 'Task', singular: 'task', plural: 'tasks', style: 'membrane', verbs: VERBS },
  { entity: 'Opportunity', singular: 'opportunity', plural: 'opportunities', style: 'espo', verbs: VERBS },
  { entity: 'Lead', singular: 'lead', plural: 'leads', style: 'espo', verbs: VERBS },
  { entity: 'Contact', singular: 'contact', plural: 'contacts', style: 'membrane', verbs: ['list', 'get', 'create'] },
  { entity: 'Account', singular: 'account', plural: 'accounts', style: 'membrane', verbs: ['list', 'get', 'create'] },
];

/** Membrane's data-collection list filters offer about a dozen fields of the record. */
const MAX_FILTER_FIELDS = 12;

const ACTION_TYPES: Record<ActionVerb, ActionType> = {
  list: 'list-data-records',
  get: 'find-data-record-by-id',
  create: 'create-data-record',
  update: 'update-data-record',
};

const DESCRIPTIONS: Record<ActionVerb, (s: EntitySpec) => string> = {
  list: (s) =>
    s.style === 'espo'
      ? `Lists ${s.plural} in EspoCRM with where filters, ordering and offset paging (maxSize up to 200).`
      : `Lists ${s.plural} in EspoCRM, optionally filtered by field values, one page per cursor.`,
  get: (s) => `Gets one ${s.singular} from EspoCRM by its ID.`,
  create: (s) => `Creates a new ${s.singular} in EspoCRM.`,
  update: (s) => `Updates fields of an existing ${s.singular} in EspoCRM by its ID.`,
};

const actionKey = (verb: ActionVerb, s: EntitySpec) => `${verb}-${verb === 'list' ? s.plural : s.singular}`;
const titleCase = (text: string) => text.replace(/\b\w/g, (c) => c.toUpperCase());

/** Which entity, verb and schema style an action key stands for (used by the fake to execute it). */
export function describeActionKey(key: string): { verb: ActionVerb; entity: string; style: ActionStyle } | undefined {
  for (const spec of ENTITY_SPECS) {
    const verb = spec.verbs.find((v) => actionKey(v, spec) === key);
    if (verb) return { verb, entity: spec.entity, style: spec.style };
  }
  return undefined;
}

// ---- schemas --------------------------------------------------------------------------------------

const BASE_SCHEMAS: Record<ValueType, JsonSchema> = {
  string: { type: 'string' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  email: { type: 'string', format: 'email' },
  url: { type: 'string', format: 'uri' },
  array: { type: 'array', items: { type: 'string' } },
  object: { type: 'object' },
};

/** Inputs take plain types; outputs are nullable because EspoCRM returns null for unset attributes. */
function attributeSchema(info: AttributeInfo, nullable: boolean): JsonSchema {
  const schema: JsonSchema = structuredClone(BASE_SCHEMAS[info.valueType]);
  if (info.options) schema.enum = nullable ? [...info.options, null] : [...info.options];
  if (nullable) schema.type = [String(schema.type), 'null'];
  return schema;
}

const titleOf = (name: string) => titleCase(name.replace(/Ids?$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'));

/**
 * An input field as Membrane's DataSchema describes it (SDK dist/dts/data-schema/types.d.ts): a
 * title on every field, `maxLength` and `default` from the field's metadata, and the collection a
 * link id refers to. None of these is a keyword OpenAI's strict mode takes, which is the point.
 */
function inputFieldSchema(entity: string, info: AttributeInfo): JsonSchema {
  const field = defs[entity]?.fields[info.field];
  const schema: JsonSchema = { ...attributeSchema(info, false), title: titleOf(info.name) };
  if (info.maxLength) schema.maxLength = info.maxLength;
  if (field?.default !== undefined && field.default !== '' && info.primary) schema.default = field.default;
  if (field?.entity && info.primary && /Ids?$/.test(info.name)) schema.referenceCollection = { key: field.entity };
  return schema;
}

const idSchema: JsonSchema = { type: 'string' };
const object = (
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  extra: JsonSchema = {},
): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  ...extra,
});

const defs = builtinEntityDefs();

/** EspoCRM's where item (Core/Select/Where/Item): nestable, so `value` may be anything. */
const whereItemSchema: JsonSchema = object(
  {
    type: {
      type: 'string',
      description:
        'equals, notEquals, greaterThan, lessThan, in, notIn, contains, isNull, isTrue, between, currentMonth, or, and, ...',
    },
    attribute: { type: 'string', description: 'Attribute name, e.g. status or accountId' },
    value: { description: 'Value to compare with; an array for in/between, where items for or/and' },
  },
  ['type'],
);

function entitySchemas(spec: EntitySpec) {
  const attributes = entityAttributes(defs, spec.entity);
  const fields = defs[spec.entity]?.fields ?? {};
  // Every field the API takes on create and update; a person's name is written as first and last name.
  const writableInfo = attributes.filter(
    (a) => a.kind === 'value' && !a.readOnly && fields[a.field]?.type !== 'personName',
  );
  const writable = Object.fromEntries(writableInfo.map((a) => [a.name, inputFieldSchema(spec.entity, a)]));
  const filterInfo = [
    ...writableInfo.filter((a) => fields[a.field]?.type !== 'text'),
    ...attributes.filter((a) => a.name === 'createdAt' || a.name === 'modifiedAt'),
  ];
  const filters = Object.fromEntries(
    filterInfo.slice(0, MAX_FILTER_FIELDS).map((a) => [a.name, inputFieldSchema(spec.entity, a)]),
  );
  const required = writableInfo.filter((a) => a.primary && fields[a.field]?.required === true).map((a) => a.name);
  const record = object(
    { id: idSchema, ...Object.fromEntries(attributes.map((a) => [a.name, attributeSchema(a, true)])) },
    ['id'],
  );
  return { writable, filters, required, record };
}

function espoSchemas(verb: ActionVerb, spec: EntitySpec): Pick<ActionDef, 'inputSchema' | 'outputSchema'> {
  const { writable, filters, required, record } = entitySchemas(spec);
  switch (verb) {
    case 'list':
      return {
        inputSchema: object(
          {
            maxSize: { type: 'integer', maximum: 200, title: 'Max Size', default: 20 },
            offset: { type: 'integer', title: 'Offset' },
            orderBy: { type: 'string', title: 'Order By' },
            order: { type: 'string', enum: ['asc', 'desc'], title: 'Order' },
            where: { type: 'array', title: 'Where', items: whereItemSchema },
            // Equality on common fields, beside `where`, as Membrane's list actions offer it.
            filter: object(filters, [], { additionalProperties: false, title: 'Filter' }),
          },
          [],
          { additionalProperties: false },
        ),
        outputSchema: object({ total: { type: 'integer' }, list: { type: 'array', items: record } }, ['total', 'list']),
      };
    case 'get':
      return { inputSchema: object({ id: { ...idSchema, title: 'ID' } }, ['id']), outputSchema: record };
    case 'create':
      return { inputSchema: object(writable, required), outputSchema: record };
    case 'update':
      return { inputSchema: object({ id: { ...idSchema, title: 'ID' }, ...writable }, ['id']), outputSchema: record };
  }
}

function membraneSchemas(
  verb: ActionVerb,
  spec: EntitySpec,
  lists: CatalogOptions['lists'],
): Pick<ActionDef, 'inputSchema' | 'outputSchema'> {
  const { writable, filters, required, record } = entitySchemas(spec);
  const dataRecord = object({ id: idSchema, name: { type: 'string' }, fields: record }, ['id']);
  const idOutput = object({ id: idSchema }, ['id']);
  switch (verb) {
    case 'list':
      return {
        inputSchema: object(
          {
            filter: object(filters, [], { additionalProperties: false, title: 'Filter' }),
            cursor: { type: 'string', title: 'Cursor' },
            // Membrane's own list request has no page size (SDK dist/index.node.mjs ~8990: filter,
            // unifiedFilter, cursor): the connector picks it. Some packages add one.
            ...(lists === 'with-limit' ? { limit: { type: 'integer', minimum: 1, maximum: 100, title: 'Limit' } } : {}),
          },
          [],
          { additionalProperties: false },
        ),
        outputSchema: object({ records: { type: 'array', items: dataRecord }, cursor: { type: 'string' } }, [
          'records',
        ]),
      };
    case 'get':
      return {
        inputSchema: object({ id: idSchema }, ['id']),
        outputSchema: object({ record: dataRecord }, ['record']),
      };
    case 'create':
      return { inputSchema: object({ fields: object(writable, required) }, ['fields']), outputSchema: idOutput };
    case 'update':
      return {
        inputSchema: object({ id: idSchema, fields: object(writable) }, ['id', 'fields']),
        outputSchema: idOutput,
      };
  }
}

/**
 * How the package's actions look, where real packages may differ (the developers' rule: the fake
 * produces both shapes). `types`: the data-record types (default), none at all (`type` is optional
 * in ActionApiResponse), or a generic `connector-operation` that says nothing about reading or
 * writing. `lists`: Membrane-style lists with a `limit` (default) or, as Membrane's own list
 * request, `filter`/`cursor` only.
 */
export interface CatalogOptions {
  types?: 'data-record' | 'none' | 'generic';
  lists?: 'with-limit' | 'cursor-only';
}

/** A fresh copy of the catalog (callers may mutate it). */
export function espoActionCatalog(options: CatalogOptions = {}): ActionDef[] {
  const { types = 'data-record', lists = 'with-limit' } = options;
  return VERBS.flatMap((verb) =>
    ENTITY_SPECS.filter((spec) => spec.verbs.includes(verb)).map((spec): ActionDef => {
      const key = actionKey(verb, spec);
      return {
        id: `act_${key}`,
        key,
        name: titleCase(`${verb} ${verb === 'list' ? spec.plural : spec.singular}`),
        description: DESCRIPTIONS[verb](spec),
        ...(types === 'none' ? {} : { type: types === 'generic' ? 'connector-operation' : ACTION_TYPES[verb] }),
        ...(spec.style === 'espo' ? espoSchemas(verb, spec) : membraneSchemas(verb, spec, lists)),
      };
    }),
  );
}

// ---- intent search --------------------------------------------------------------------------------

const SYNONYMS: Record<string, string> = {
  deal: 'opportunity',
  company: 'account',
  organization: 'account',
  organisation: 'account',
  people: 'contact',
  person: 'contact',
  prospect: 'lead',
  todo: 'task',
  show: 'list',
  find: 'list',
  search: 'list',
  browse: 'list',
  fetch: 'get',
  read: 'get',
  view: 'get',
  detail: 'get',
  add: 'create',
  new: 'create',
  make: 'create',
  edit: 'update',
  change: 'update',
  modify: 'update',
};

const STOPWORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'in',
  'on',
  'for',
  'to',
  'from',
  'with',
  'by',
  'and',
  'or',
  'my',
  'me',
  'all',
  'its',
  'espocrm',
  'crm',
  'record',
]);

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

function tokens(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return new Set(
    words
      .map((w) => singular(w))
      .map((w) => SYNONYMS[w] ?? w)
      .filter((w) => !STOPWORDS.has(w)),
  );
}

/**
 * Rank actions by word overlap with an intent. A word found in the key counts double, and each word is
 * weighted by rarity across the catalog, so "list leads" puts lead actions before other list actions.
 */
export function searchActions(actions: ActionDef[], intent: string, limit: number): ActionDef[] {
  const indexed = actions.map((action) => ({
    action,
    key: tokens(action.key),
    text: tokens(`${action.key} ${action.name} ${action.description}`),
  }));
  const frequency = (word: string) => indexed.filter((a) => a.text.has(word)).length;
  const wanted = [...tokens(intent)];
  return indexed
    .map(({ action, key, text }) => ({
      action,
      score: wanted.reduce((sum, w) => sum + (key.has(w) ? 2 : text.has(w) ? 1 : 0) / Math.max(frequency(w), 1), 0),
    }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((r) => r.action);
}
