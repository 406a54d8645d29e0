import { AppError } from '../errors.js';
import type { Assignee, Clock, CrmGateway, EntityDirectory, EntityInfo, RequestContext, WritePlan } from '../ports.js';
import type { RequestPipeline } from './ports.js';
import { commandText } from '../text.js';

/**
 * Forms for creating and updating records, generated from a JSON Schema (the create or update
 * action's, or EspoCRM's entity definitions). Core turns the schema into plain form fields and the
 * submitted values back into record fields; the Slack layer draws them as a modal.
 */
export type FormFieldKind =
  'text' | 'multiline' | 'select' | 'checkbox' | 'number' | 'integer' | 'date' | 'datetime' | 'email' | 'url';

export interface FormField {
  name: string;
  label: string;
  kind: FormFieldKind;
  required: boolean;
  options?: string[];
  /** How a date-time is written back: ISO 8601 (JSON Schema's date-time) or EspoCRM's UTC `YYYY-MM-DD HH:mm:ss`. */
  datetime?: 'iso' | 'espo';
  /** The current value (update forms). */
  value?: string | number | boolean;
}

export interface Form {
  operation: 'create' | 'update';
  entity: EntityInfo;
  id?: string;
  /** The record's name (update forms), for the title and the result. */
  recordName?: string;
  fields: FormField[];
  /**
   * How many more fields the schema has than fit in one form (they are set with `/espo create|update … field=value`).
   */
  hiddenFields: number;
  /** Create forms: whom the new record will be assigned to (the person filling it in). */
  assignee?: Assignee;
}

/** A submitted value as Slack hands it over: text, a number, a checkbox, or a date-time in epoch seconds. */
export type SubmittedValue = string | number | boolean | null;

const MAX_INPUT_TEXT = 3000;
/** Leaves room in a 100-block modal for the title section and a hint. */
export const MAX_FORM_FIELDS = 90;
/**
 * EspoCRM stores date-times as UTC `YYYY-MM-DD HH:mm:ss`; schemas built from its definitions say so with this pattern.
 */
export const ESPO_DATETIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}(:\\d{2})?$';

export function label(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Property = { type?: string | string[]; enum?: unknown[]; format?: string; pattern?: string; maxLength?: number };

function kindOf(name: string, property: Property): Pick<FormField, 'kind' | 'options' | 'datetime'> | undefined {
  const type = Array.isArray(property.type) ? property.type.find((t) => t !== 'null') : property.type;
  // An enum is a choice among its text options; whether they can all be shown as a menu is the modal's to decide.
  // Without any (numbers only, or just the empty "none"), it is asked for as its type is.
  const options = Array.isArray(property.enum)
    ? property.enum.filter((option): option is string => typeof option === 'string' && option !== '')
    : [];
  if (options.length) return { kind: 'select', options };
  switch (type) {
    case 'boolean':
      return { kind: 'checkbox' };
    case 'integer':
      return { kind: 'integer' };
    case 'number':
      return { kind: 'number' };
    case 'string':
      if (property.format === 'date') return { kind: 'date' };
      if (property.format === 'date-time') return { kind: 'datetime', datetime: 'iso' };
      if (property.pattern === ESPO_DATETIME_PATTERN) return { kind: 'datetime', datetime: 'espo' };
      if (property.format === 'email') return { kind: 'email' };
      if (property.format === 'uri' || property.format === 'url') return { kind: 'url' };
      return { kind: (property.maxLength ?? 0) > 255 || name === 'description' ? 'multiline' : 'text' };
    default:
      // Objects and lists have no sensible form input; they are left to `/espo create`.
      return undefined;
  }
}

/** Every field of a schema a form can draw, required ones first, the rest in the schema's order. */
export function formFields(schema: Record<string, unknown>, values: Record<string, unknown> = {}): FormField[] {
  const properties = (schema.properties ?? {}) as Record<string, Property>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const fields = Object.entries(properties).flatMap(([name, property]): FormField[] => {
    const kind = kindOf(name, property);
    const value = values[name];
    // Slack's text inputs hold 3,000 characters: a longer value could not be shown whole, and saving the form would cut
    // it.
    if (!kind || (typeof value === 'string' && value.length > MAX_INPUT_TEXT)) return [];
    const current =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? { value } : {};
    return [{ name, label: label(name), required: required.has(name), ...kind, ...current }];
  });
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** The fields one form shows (the first MAX_FORM_FIELDS, so required ones stay) and how many more there are. */
export function shownFields(
  schema: Record<string, unknown>,
  values: Record<string, unknown> = {},
): Pick<Form, 'fields' | 'hiddenFields'> {
  const fields = formFields(schema, values);
  return { fields: fields.slice(0, MAX_FORM_FIELDS), hiddenFields: Math.max(0, fields.length - MAX_FORM_FIELDS) };
}

/** Submitted values as record fields: typed, date-times written as the schema wants them, empties left out. */
export function fieldsFromValues(fields: FormField[], values: Record<string, SubmittedValue>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined) continue;
    if (value === null || value === '') {
      result[field.name] = null;
      continue;
    }
    if (field.kind === 'datetime' && typeof value === 'number') {
      const iso = new Date(value * 1000).toISOString();
      result[field.name] =
        field.datetime === 'espo' ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.replace('.000Z', 'Z');
    } else if ((field.kind === 'number' || field.kind === 'integer') && typeof value === 'string') {
      result[field.name] = Number(value);
    } else {
      result[field.name] = value;
    }
  }
  return result;
}

export interface FormRequest {
  operation: 'create' | 'update';
  entity: string;
  id?: string;
}

export type FormCheck =
  | { ok: false; errors: { field: string; problem: string }[] }
  | { ok: true; plan: WritePlan; entity: EntityInfo }
  | { ok: true; unchanged: true };

/** Which form a command asks for: `create lead`, `new task`, `update deal 5f3a…` without fields. */
export function formRequestOf(text: string, entities: EntityDirectory): FormRequest | undefined {
  const words = text.trim().split(/\s+/);
  const verb = words[0]?.toLowerCase();
  if ((verb === 'create' || verb === 'new' || verb === 'add') && words.length === 2)
    return { operation: 'create', entity: entities.resolve(words[1]!).name };
  if ((verb === 'update' || verb === 'edit') && words.length === 3 && /^[\w-]{1,64}$/.test(words[2]!)) {
    return { operation: 'update', entity: entities.resolve(words[1]!).name, id: words[2]! };
  }
  return undefined;
}

export interface FormServiceDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  commands: RequestPipeline;
  clock: Clock;
}

const SCHEMA_TTL_MS = 10 * 60_000;
const MAX_SCHEMAS = 1000;

export class FormService {
  private readonly schemas = new Map<string, { schema: Record<string, unknown>; until: number }>();

  constructor(private readonly deps: FormServiceDeps) {}

  entityOf(word: string): EntityInfo {
    return this.deps.entities.resolve(word);
  }

  /** The form a command text asks for (`create lead` with no fields), if any. */
  requestOf(text: string): FormRequest | undefined {
    return formRequestOf(text, this.deps.entities);
  }

  async open(context: RequestContext, request: FormRequest): Promise<Form> {
    try {
      const { crm, entities, commands } = this.deps;
      const tenant = commands.tenantFor(context);
      const entity = entities.resolve(request.entity);
      const schema = await this.schemaFor(context, entity, request.operation);
      if (request.operation === 'create') {
        // A record that must be assigned to someone, for a person the bot cannot find in EspoCRM, is said now, before
        // the form is filled in.
        const assignee = await commands.requesterAsAssignee(context, entity);
        return { operation: 'create', entity, ...shownFields(schema), ...(assignee ? { assignee } : {}) };
      }
      const record = await crm.get(tenant, entity.name, request.id ?? '');
      return {
        operation: 'update',
        entity,
        id: record.id,
        recordName: record.name,
        ...shownFields(schema, record.fields),
      };
    } catch (error) {
      throw this.deps.commands.guardConnectLink(context, error);
    }
  }

  /**
   * Checks a submission against the schema (field errors go back into the form) and returns the
   * write it amounts to. Runs before Slack's 3-second ack, so it makes no call beyond the schema
   * (remembered from opening the form). An update sends only the fields the person changed from
   * what the form showed them, so values changed meanwhile by someone else are not overwritten.
   */
  async check(
    context: RequestContext,
    request: FormRequest,
    values: Record<string, SubmittedValue>,
    shown: Record<string, SubmittedValue> = {},
  ): Promise<FormCheck> {
    const { crm, entities } = this.deps;
    const entity = entities.resolve(request.entity);
    const schema = await this.schemaFor(context, entity, request.operation);
    const form = formFields(schema);
    if (request.operation === 'create') {
      const given = Object.fromEntries(
        Object.entries(fieldsFromValues(form, values)).filter(([, value]) => value !== null),
      );
      const errors = crm.checkFields(schema, given);
      return errors.length
        ? { ok: false, errors }
        : { ok: true, entity, plan: { kind: 'create', entity: entity.name, fields: given } };
    }
    const touched = form.filter((field) => field.name in values && !same(values[field.name], shown[field.name]));
    if (!touched.length) return { ok: true, unchanged: true };
    const changed = fieldsFromValues(touched, values);
    // Only the changed fields are checked, and a cleared optional field may be null.
    const partial = {
      ...schema,
      required: ((schema.required as string[] | undefined) ?? []).filter(
        (name) => name in changed && changed[name] !== null,
      ),
    };
    const errors = crm.checkFields(
      partial,
      Object.fromEntries(Object.entries(changed).filter(([, value]) => value !== null)),
    );
    if (errors.length) return { ok: false, errors };
    const before = fieldsFromValues(
      touched,
      Object.fromEntries(touched.map((field) => [field.name, shown[field.name] ?? null])),
    );
    return {
      ok: true,
      entity,
      plan: { kind: 'update', entity: entity.name, id: request.id ?? '', fields: changed, before },
    };
  }

  /** The form's schema, remembered a while per tenant so a submission is checked without a call. */
  private async schemaFor(
    context: RequestContext,
    entity: EntityInfo,
    operation: 'create' | 'update',
  ): Promise<Record<string, unknown>> {
    const tenant = this.deps.commands.tenantFor(context);
    const key = `${tenant.key}|${entity.name}|${operation}`;
    const now = this.deps.clock.now().getTime();
    const hit = this.schemas.get(key);
    if (hit && hit.until > now) return hit.schema;
    const schema = await this.deps.crm.formSchema(tenant, entity.name, operation);
    if (!schema) {
      throw new AppError(
        'bad_input',
        `I have no form for ${entity.plural.toLowerCase()}. Use ${commandText(`${operation} ${entity.label.toLowerCase()}${operation === 'update' ? ' <id>' : ''} field=value …`)} instead.`,
      );
    }
    if (this.schemas.size >= MAX_SCHEMAS) this.schemas.delete(this.schemas.keys().next().value!);
    this.schemas.set(key, { schema, until: now + SCHEMA_TTL_MS });
    return schema;
  }
}

/** Whether a submitted value is what the form showed: empty is empty, numbers compare as numbers. */
function same(value: SubmittedValue | undefined, shown: SubmittedValue | undefined): boolean {
  const empty = (v: unknown) => v === null || v === undefined || v === '' || v === false;
  if (empty(value) && empty(shown)) return true;
  if (typeof value === 'number' || typeof shown === 'number') return Number(value) === Number(shown);
  return value === shown;
}
