/**
 * Tool parameters OpenAI accepts, made from action input schemas, and the way back.
 *
 * Membrane's DataSchema (@membranehq/sdk dist/dts/data-schema/types.d.ts) makes `type` and `items`
 * optional and carries keywords of its own, and one tool OpenAI cannot read fails the whole request
 * (400 `invalid_function_parameters`). So every schema is first made portable: every subschema gets
 * a type (inferred, or "any value" spelled as a union of scalars), every array its `items`, every
 * object its `properties`; `$ref`s are inlined, `allOf` merged, `oneOf` read as `anyOf`; keywords
 * outside OpenAI's documented subset become words in the description (a default, a length limit, a
 * format such as uri) or are dropped when they only annotate (title, examples, referenceCollection).
 *
 * When every object in it has known keys and it fits strict mode's limits, the copy is then made
 * strict (Structured Outputs, "Supported schemas"): every object closed and every property
 * required, an optional one as nullable. A free-form object cannot be strict, so such a tool goes
 * non-strict, still portable. Either way the model's nulls are dropped afterwards and its input is
 * validated against the action's original schema, which stays the contract.
 */
import { isSchema, strings, type JsonSchema } from './schema-basics.js';
import { describe, joinDescription } from './schema-notes.js';
import { portableCopy } from './portable-schema.js';

export type { JsonSchema } from './schema-basics.js';

export interface ToolParameters {
  parameters: JsonSchema;
  strict: boolean;
}

/** Documented limits of a strict schema. */
const LIMITS = {
  depth: 10,
  properties: 5000,
  enumValues: 1000,
  characters: 120_000,
  bigEnum: 250,
  bigEnumCharacters: 15_000,
};

const emptyObject = (): JsonSchema => ({ type: 'object', properties: {}, required: [], additionalProperties: false });

/**
 * The parameters to send for an action's input schema, strict when that can be done honestly;
 * undefined when the input is not an object at all (a tool's parameters must be one).
 */
export function toToolParameters(schema: JsonSchema | undefined): ToolParameters | undefined {
  if (!isSchema(schema) || declaresNothing(schema)) return { parameters: emptyObject(), strict: true };
  const portable = portableCopy(schema);
  const parameters = rootObject(portable.schema);
  if (!parameters) return undefined;
  if (!portable.open) {
    const strict = strictCopy(parameters);
    if (fitsStrictLimits(strict)) return { parameters: strict, strict: true };
  }
  return { parameters, strict: false };
}

/** No input at all: an object with no declared keys. A schema built from `$ref` or combinators is not "nothing". */
function declaresNothing(schema: JsonSchema): boolean {
  if (['$ref', 'allOf', 'anyOf', 'oneOf', 'patternProperties'].some((keyword) => keyword in schema)) return false;
  const noProperties = !isSchema(schema.properties) || Object.keys(schema.properties).length === 0;
  const noRequired = strings(schema.required).length === 0;
  return (
    noProperties &&
    noRequired &&
    (schema.additionalProperties === undefined || schema.additionalProperties === false) &&
    (schema.type === undefined || schema.type === 'object')
  );
}

/** The root must be an object and not a union: a union of objects becomes one object with the keys of all. */
function rootObject(schema: JsonSchema): JsonSchema | undefined {
  if (schema.type === 'object') return schema;
  const variants = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [];
  const objects = variants.filter((variant) => variant.type === 'object');
  if (!objects.length || objects.length < variants.filter((variant) => variant.type !== 'null').length)
    return undefined;
  if (objects.length === 1)
    return describe(objects[0]!, joinDescription(objects[0]!.description, schema.description), []);
  const properties = Object.assign({}, ...objects.map((variant) => variant.properties)) as JsonSchema;
  const required = strings(objects[0]!.required).filter((name) =>
    objects.every((variant) => strings(variant.required).includes(name)),
  );
  const description = joinDescription(schema.description, `one of ${objects.length} forms; see the action`);
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    ...(required.length ? { required } : {}),
  };
}

// ---- strict: every object closed, every key required, optional ones nullable ----------------------

function strictCopy(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: (schema.anyOf as JsonSchema[]).map(strictCopy) };
  const copy: JsonSchema = { ...schema };
  if (isSchema(schema.items)) copy.items = strictCopy(schema.items);
  if (isSchema(schema.properties)) {
    const required = new Set(strings(schema.required));
    copy.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, property]) => [
        name,
        required.has(name) ? strictCopy(property) : nullable(strictCopy(property)),
      ]),
    );
    copy.required = Object.keys(schema.properties);
    copy.additionalProperties = false;
  }
  return copy;
}

function nullable(schema: JsonSchema): JsonSchema {
  const { description, ...rest } = schema;
  const withDescription = (result: JsonSchema) => (description === undefined ? result : { ...result, description });
  if (Array.isArray(schema.anyOf)) {
    const variants = schema.anyOf as JsonSchema[];
    return variants.some((variant) => variant.type === 'null')
      ? schema
      : { ...schema, anyOf: [...variants, { type: 'null' }] };
  }
  if (Array.isArray(schema.type) || schema.type === 'null') return schema;
  if (schema.type === 'object' || schema.type === 'array' || 'const' in schema)
    return withDescription({ anyOf: [rest, { type: 'null' }] });
  return {
    ...schema,
    type: [schema.type, 'null'],
    ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}),
  };
}

/** Nesting depth, properties, enum values and characters within what strict mode documents. */
function fitsStrictLimits(schema: JsonSchema): boolean {
  let properties = 0;
  let enumValues = 0;
  let characters = 0;
  let fits = true;
  const visit = (node: JsonSchema, depth: number) => {
    if (depth > LIMITS.depth) fits = false;
    if (Array.isArray(node.enum)) {
      enumValues += node.enum.length;
      const text = node.enum.reduce<number>((sum, value) => sum + String(value).length, 0);
      characters += text;
      if (node.enum.length > LIMITS.bigEnum && text > LIMITS.bigEnumCharacters) fits = false;
    }
    if (typeof node.const === 'string') characters += node.const.length;
    if (isSchema(node.properties)) {
      for (const [name, property] of Object.entries(node.properties)) {
        properties += 1;
        characters += name.length;
        visit(property as JsonSchema, depth + 1);
      }
    }
    if (isSchema(node.items)) visit(node.items, depth + 1);
    if (Array.isArray(node.anyOf)) for (const variant of node.anyOf as JsonSchema[]) visit(variant, depth);
  };
  visit(schema, 1);
  return fits && properties <= LIMITS.properties && enumValues <= LIMITS.enumValues && characters <= LIMITS.characters;
}

// ---- the way back ---------------------------------------------------------------------------------

/**
 * The model's input without the nulls that stand for "not given": those of optional properties
 * whose schema does not allow null (the strict copy made them nullable). A null the original
 * schema allows, or one where the schema says nothing, is left for the schema to judge.
 */
export function dropNulls(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value))
    return isSchema(schema.items) ? value.map((item) => dropNulls(item, schema.items as JsonSchema)) : value;
  if (!isSchema(value) || !isSchema(schema.properties)) return value;
  const properties = schema.properties;
  const required = new Set(strings(schema.required));
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([key, inner]) => !(inner === null && key in properties && !required.has(key) && !allowsNull(properties[key])),
      )
      .map(([key, inner]) => [key, dropNulls(inner, isSchema(properties[key]) ? properties[key] : undefined)]),
  );
}

function allowsNull(schema: unknown): boolean {
  if (!isSchema(schema)) return false;
  return (
    schema.type === 'null' ||
    (Array.isArray(schema.type) && schema.type.includes('null')) ||
    (Array.isArray(schema.enum) && schema.enum.includes(null))
  );
}
