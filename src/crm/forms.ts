import { ESPO_DATETIME_PATTERN } from '../core/writes/forms.js';
import type { JsonSchema } from './action-io.js';
import { writableFields, type WritableField } from './espo/entities.js';

/**
 * The JSON Schema of the fields a form for an entity asks for. From the create or update action's
 * own input schema when the connection has one (its `fields`, or its flat properties without the
 * id), else from EspoCRM's entity definitions. References to other records (`accountId`,
 * `parentType`) are left out: nobody types ids into a form.
 */
export function formSchemaFromAction(
  inputSchema: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const schema = inputSchema as JsonSchema | undefined;
  const nested = schema?.properties?.fields;
  const source = nested?.properties ? nested : schema;
  if (!source?.properties) return undefined;
  const properties = Object.fromEntries(
    Object.entries(source.properties).filter(([name]) => name !== 'id' && !isReference(name)),
  );
  if (!Object.keys(properties).length) return undefined;
  const required = (source.required ?? []).filter((name) => name in properties);
  return { type: 'object', properties, required };
}

export function formSchemaFromDefinitions(entity: string): Record<string, unknown> | undefined {
  const fields = writableFields(entity)?.filter((field) => field.type !== 'id' && !isReference(field.name));
  if (!fields?.length) return undefined;
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.name, propertyOf(field)])),
    required: fields.filter((field) => field.required).map((field) => field.name),
  };
}

function isReference(name: string): boolean {
  return /Ids?$/.test(name) || name === 'parentType';
}

function propertyOf(field: WritableField): Record<string, unknown> {
  switch (field.type) {
    case 'enum':
      return { type: 'string', enum: field.options ?? [] };
    case 'int':
      return { type: 'integer' };
    case 'float':
    case 'currency':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'datetime':
      return { type: 'string', pattern: ESPO_DATETIME_PATTERN };
    case 'email':
      return { type: 'string', format: 'email' };
    case 'url':
      return { type: 'string', format: 'uri' };
    case 'text':
      return { type: 'string', maxLength: 65_000 };
    default:
      return { type: 'string', maxLength: 255 };
  }
}
