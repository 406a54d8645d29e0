/**
 * Strict copies of action input schemas for OpenAI tool calling, and the way back.
 *
 * Strict mode only accepts objects that list every property in `required` and forbid extra ones,
 * so an optional property becomes a required nullable one. The model's nulls are dropped again
 * afterwards and the input is validated against the action's original schema, which stays the
 * contract. A schema strict mode cannot express (a free-form object, `allOf`, ...) yields
 * undefined, and the tool is then offered non-strict with its original schema.
 */
export type JsonSchema = Record<string, unknown>;

/** Keywords strict mode accepts; others (default, minLength, examples, ...) are left out of the copy. */
const KEPT = new Set([
  'type',
  'description',
  'enum',
  'const',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
const STRICT_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const UNSUPPORTED = ['allOf', 'not', 'if', 'then', 'else', 'patternProperties', 'dependentRequired', 'dependentSchemas', 'prefixItems', '$ref'];

class NotStrictable extends Error {}

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

export function toStrictSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  // No input at all is a valid strict object; a schema built from $ref or combinators is not "nothing".
  const composed = schema && ['$ref', 'allOf', 'anyOf', 'oneOf'].some((keyword) => keyword in schema);
  const noProperties = !schema || !isSchema(schema.properties) || Object.keys(schema.properties).length === 0;
  const declaresNothing = !schema || (!composed && noProperties && (schema.additionalProperties === undefined || schema.additionalProperties === false));
  if (declaresNothing) return { type: 'object', properties: {}, required: [], additionalProperties: false };
  try {
    const strict = convert(schema);
    return strict.type === 'object' ? strict : undefined;
  } catch (error) {
    if (error instanceof NotStrictable) return undefined;
    throw error;
  }
}

function convert(schema: JsonSchema): JsonSchema {
  if (UNSUPPORTED.some((keyword) => keyword in schema)) throw new NotStrictable();
  const copy: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'format' && !STRICT_FORMATS.has(String(value))) continue;
    if (KEPT.has(keyword)) copy[keyword] = value;
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) copy.anyOf = variants.map((variant) => (isSchema(variant) ? convert(variant) : variant));
  if (isSchema(schema.items)) copy.items = convert(schema.items);

  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')) || isSchema(schema.properties);
  if (isObject) {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    // An object whose keys are not all declared cannot be strict.
    if (Object.keys(properties).length === 0 || (schema.additionalProperties !== undefined && schema.additionalProperties !== false)) throw new NotStrictable();
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const strictProperties: JsonSchema = {};
    for (const [name, property] of Object.entries(properties)) {
      if (!isSchema(property)) throw new NotStrictable();
      const converted = convert(property);
      strictProperties[name] = required.has(name) ? converted : nullable(converted);
    }
    copy.type = copy.type ?? 'object';
    copy.properties = strictProperties;
    copy.required = Object.keys(strictProperties);
    copy.additionalProperties = false;
  }
  return copy;
}

function nullable(schema: JsonSchema): JsonSchema {
  if (schema.anyOf || 'const' in schema || schema.type === undefined) return { anyOf: [schema, { type: 'null' }] };
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('null')) return schema;
  const result: JsonSchema = { ...schema, type: [...types, 'null'] };
  if (Array.isArray(schema.enum)) result.enum = [...schema.enum, null];
  return result;
}

/**
 * The model's input without the nulls that stand for "not given": those of optional properties
 * whose schema does not allow null (the strict copy made them nullable). A null the original
 * schema allows, or one where the schema says nothing, is left for the schema to judge.
 */
export function dropNulls(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return isSchema(schema.items) ? value.map((item) => dropNulls(item, schema.items as JsonSchema)) : value;
  if (!isSchema(value) || !isSchema(schema.properties)) return value;
  const properties = schema.properties;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !(inner === null && key in properties && !required.has(key) && !allowsNull(properties[key])))
      .map(([key, inner]) => [key, dropNulls(inner, isSchema(properties[key]) ? properties[key] : undefined)]),
  );
}

function allowsNull(schema: unknown): boolean {
  if (!isSchema(schema)) return false;
  return schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null')) || (Array.isArray(schema.enum) && schema.enum.includes(null));
}
