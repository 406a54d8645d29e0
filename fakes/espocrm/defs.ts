// EspoCRM entity metadata for the fake: field definitions and scopes (from entities.json, a trimmed
// copy of EspoCRM 10's entityDefs and scopes: Modules/Crm/Resources/metadata/{entityDefs,scopes} and
// Resources/metadata/{entityDefs,scopes}) and the expansion of fields into API attributes (EspoCRM's
// REST API speaks attributes: a `link` field `account` is read and written as `accountId` + `accountName`).
import { readFileSync } from 'node:fs';

export interface FieldDef {
  type: string;
  options?: string[];
  /** `Lead.source`: the options are that field's (Classes/FieldValidators/EnumType.php reads them so). */
  optionsReference?: string;
  /** A deal stage's probability (Opportunity `stage`): 100 is won, 0 lost (Select/Opportunity/Utils/StageListProvider.php). */
  probabilityMap?: Record<string, number>;
  /** Statuses EspoCRM's `actual`/`open` list filters leave out (Select/Task/PrimaryFilters/Actual.php). */
  notActualOptions?: string[];
  required?: boolean;
  default?: unknown;
  readOnly?: boolean;
  maxLength?: number;
  /** Target entity of link / linkMultiple fields. */
  entity?: string;
  /** Allowed parent types of linkParent fields. */
  entityList?: string[];
  /** Changes are written to the record's stream (Tools/Stream/Service::getAuditedFieldsData). */
  audited?: boolean;
  /** Validations EspoCRM skips for the field (FieldValidationManager: User's `lastName` is not checked as required). */
  suppressValidationList?: string[];
}

export interface EntityDef {
  collection: { orderBy?: string; order?: 'asc' | 'desc'; textFilterFields?: string[] };
  fields: Record<string, FieldDef>;
}

export type EntityDefs = Record<string, EntityDef>;

/** What the fake uses of EspoCRM's `scopes` metadata. */
export interface ScopeDef {
  /** The record has a stream: Create, Update and Assign notes (Tools/Stream/HookProcessor::afterSave). */
  stream?: boolean;
  /** Its status field (`stage` of an Opportunity), whose changes the stream keeps apart from audited ones. */
  statusField?: string;
}

/** What an attribute holds, independent of EspoCRM's field type (used for validation and JSON Schemas). */
export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'email' | 'url' | 'array' | 'object';

export interface AttributeInfo {
  name: string;
  field: string;
  fieldType: string;
  /** value: stored and writable (unless readOnly); derived: resolved from other records on read;
   *  computed: calculated on read from the record itself. */
  kind: 'value' | 'derived' | 'computed';
  valueType: ValueType;
  options?: string[];
  readOnly: boolean;
  /** The attribute that carries the field's `required` flag (e.g. `assignedUserId` for `assignedUser`). */
  primary: boolean;
  maxLength?: number;
}

const ENTITIES_JSON = new URL('./entities.json', import.meta.url);

function readEntitiesJson(): { entityDefs: EntityDefs; scopes: Record<string, ScopeDef> } {
  return JSON.parse(readFileSync(ENTITIES_JSON, 'utf8')) as {
    entityDefs: EntityDefs;
    scopes: Record<string, ScopeDef>;
  };
}

/**
 * A deal stage as an admin may define it in EspoCRM's Entity Manager instead of the stock one: won
 * is `Signed` (probability 100), two stages are lost (0). For `FakeEspoCrm.redefineField`.
 */
export const RENAMED_STAGES: FieldDef = {
  type: 'enum',
  options: ['Discovery', 'Demo', 'Contract Sent', 'Signed', 'Lost to Competitor', 'No Decision'],
  probabilityMap: {
    Discovery: 10,
    Demo: 30,
    'Contract Sent': 80,
    Signed: 100,
    'Lost to Competitor': 0,
    'No Decision': 0,
  },
  default: 'Discovery',
  audited: true,
};

/** A fresh deep copy of the built-in entity definitions (callers may mutate it). */
export function builtinEntityDefs(): EntityDefs {
  return readEntitiesJson().entityDefs;
}

/** A fresh copy of the built-in entities' scopes. */
export function builtinScopes(): Record<string, ScopeDef> {
  return readEntitiesJson().scopes;
}

const VALUE_TYPE_BY_FIELD_TYPE: Record<string, ValueType> = {
  int: 'number',
  float: 'number',
  autoincrement: 'number',
  bool: 'boolean',
  date: 'date',
  datetime: 'datetime',
  datetimeOptional: 'datetime',
  email: 'email',
  url: 'url',
};

/** The API attributes one field expands to, mirroring EspoCRM's metadata/fields/*.json naming. */
export function fieldAttributes(field: string, def: FieldDef, defs: EntityDefs = {}): AttributeInfo[] {
  const readOnly = def.readOnly === true || def.type === 'autoincrement';
  const make = (name: string, valueType: ValueType, extra: Partial<AttributeInfo> = {}): AttributeInfo => ({
    name,
    field,
    fieldType: def.type,
    kind: 'value',
    valueType,
    readOnly,
    primary: false,
    ...extra,
  });
  const derived = (name: string, valueType: ValueType = 'string') =>
    make(name, valueType, { kind: 'derived', readOnly: true });

  switch (def.type) {
    case 'link':
      return [make(`${field}Id`, 'string', { primary: true }), derived(`${field}Name`)];
    case 'file':
      // Attachments are not modelled, so the file name is stored alongside the id.
      return [make(`${field}Id`, 'string', { primary: true }), make(`${field}Name`, 'string')];
    case 'linkMultiple':
      return [make(`${field}Ids`, 'array', { primary: true }), derived(`${field}Names`, 'object')];
    case 'linkParent':
      return [
        make(`${field}Type`, 'string', { options: def.entityList }),
        make(`${field}Id`, 'string', { primary: true }),
        derived(`${field}Name`),
      ];
    case 'currency':
      return [make(field, 'number', { primary: true }), make(`${field}Currency`, 'string')];
    case 'enum':
      return [make(field, 'string', { primary: true, options: optionsOf(def, defs), maxLength: def.maxLength })];
    default:
      return [make(field, VALUE_TYPE_BY_FIELD_TYPE[def.type] ?? 'string', { primary: true, maxLength: def.maxLength })];
  }
}

/** Attributes EspoCRM calculates on read (notStorable fields dropped from entities.json). */
const COMPUTED_ATTRIBUTES: Record<string, AttributeInfo[]> = {
  Task: [
    {
      name: 'isOverdue',
      field: 'isOverdue',
      fieldType: 'bool',
      kind: 'computed',
      valueType: 'boolean',
      readOnly: true,
      primary: true,
    },
  ],
};

/** An enum's options: its own, or those of the field its `optionsReference` names. */
export function optionsOf(def: FieldDef, defs: EntityDefs): string[] | undefined {
  if (def.options || !def.optionsReference) return def.options;
  const [entity = '', field = ''] = def.optionsReference.split('.');
  return defs[entity]?.fields[field]?.options;
}

/** All attributes of an entity, in field order, excluding `id`. */
export function entityAttributes(defs: EntityDefs, entity: string): AttributeInfo[] {
  const def = defs[entity];
  if (!def) return [];
  const stored = Object.entries(def.fields).flatMap(([field, fieldDef]) => fieldAttributes(field, fieldDef, defs));
  return [...stored, ...(COMPUTED_ATTRIBUTES[entity] ?? [])];
}

export function isPersonEntity(defs: EntityDefs, entity: string): boolean {
  return defs[entity]?.fields.name?.type === 'personName';
}
