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
export type JsonSchema = Record<string, unknown>;

export interface ToolParameters {
  parameters: JsonSchema;
  strict: boolean;
}

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** String formats strict mode supports (Structured Outputs, "Supported properties"). */
const STRICT_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;
/** Documented limits of a strict schema. */
const LIMITS = {
  depth: 10,
  properties: 5000,
  enumValues: 1000,
  characters: 120_000,
  bigEnum: 250,
  bigEnumCharacters: 15_000,
};
/** `$ref`s followed inside one another before a recursive schema is cut off as "any value". */
const MAX_REF_DEPTH = 8;
/** Subschemas converted per schema: `$ref`s and `allOf`s can multiply a small schema without end. */
const MAX_STEPS = 20_000;
const MAX_DESCRIPTION = 300;

type Scalar = string | number | boolean | null;

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? [...new Set(value.filter((item): item is string => typeof item === 'string'))] : [];

/** A value of no declared type, in terms every model can produce: a scalar or a list of scalars. */
const anyScalar = (): JsonSchema => ({ anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] });
const anyValue = (): JsonSchema => ({
  anyOf: [...(anyScalar().anyOf as JsonSchema[]), { type: 'array', items: anyScalar() }],
});
const emptyObject = (): JsonSchema => ({ type: 'object', properties: {}, required: [], additionalProperties: false });

interface Context {
  root: JsonSchema;
  /** `$ref`s being followed, to stop at a cycle. */
  refs: string[];
  /** Set when some object takes keys it does not declare: such a schema cannot be strict. */
  open: boolean;
  steps: number;
}

/**
 * The parameters to send for an action's input schema, strict when that can be done honestly;
 * undefined when the input is not an object at all (a tool's parameters must be one).
 */
export function toToolParameters(schema: JsonSchema | undefined): ToolParameters | undefined {
  if (!isSchema(schema) || declaresNothing(schema)) return { parameters: emptyObject(), strict: true };
  const context: Context = { root: schema, refs: [], open: false, steps: 0 };
  const parameters = rootObject(portable(schema, context));
  if (!parameters) return undefined;
  if (!context.open) {
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

// ---- portable: a schema OpenAI can read, strict or not -------------------------------------------

function portable(node: unknown, context: Context): JsonSchema {
  if (!isSchema(node) || ++context.steps > MAX_STEPS) return anyValue();
  if (typeof node.$ref === 'string') return viaRef(node, context);
  if (Array.isArray(node.allOf)) {
    const { merged, refs } = mergeAllOf(node, context);
    // The refs just inlined count as being followed, so a branch that refers back ends there.
    context.refs.push(...refs);
    try {
      return portable(merged, context);
    } finally {
      context.refs.length -= refs.length;
    }
  }

  const description = typeof node.description === 'string' ? node.description : undefined;
  const declared = strings(Array.isArray(node.type) ? node.type : [node.type]).filter((type) => TYPES.has(type));
  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  const notes = constraintNotes(node);
  if (variants && !declared.length && !inferTypes(node).length) {
    const union = unionOf(variants.map((variant) => portable(variant, context)));
    return describe(union, description, notes);
  }
  if (variants) notes.push(`must also match one of ${variants.length} forms`);

  const types = declared.length ? declared : inferTypes(node);
  if (!types.length) return describe(anyValue(), description, notes);
  const nonNull = types.filter((type) => type !== 'null');
  // [T, "null"] is how strict mode spells an optional scalar; anything else becomes a union.
  if (nonNull.length === 1 && !['object', 'array'].includes(nonNull[0]!))
    return describe(typed(node, nonNull[0]!, types.includes('null'), context, notes), description, notes);
  if (types.length === 1) return describe(typed(node, types[0]!, false, context, notes), description, notes);
  return describe(unionOf(types.map((type) => typed(node, type, false, context, notes))), description, notes);
}

/** The schema of one type, with the keywords OpenAI supports for it; the others go to `notes`. */
function typed(node: JsonSchema, type: string, nullable: boolean, context: Context, notes: string[]): JsonSchema {
  const schema: JsonSchema = { type: nullable ? [type, 'null'] : type };
  switch (type) {
    case 'object':
      objectPart(node, schema, context, notes);
      break;
    case 'array': {
      const items = Array.isArray(node.items)
        ? node.items
        : Array.isArray(node.prefixItems)
          ? node.prefixItems
          : undefined;
      // A tuple's positions cannot be said; each item may be any of its schemas.
      schema.items = items ? unionOf(items.map((item) => portable(item, context))) : portable(node.items, context);
      for (const keyword of ['minItems', 'maxItems'] as const)
        if (Number.isInteger(node[keyword]) && Number(node[keyword]) >= 0) schema[keyword] = node[keyword];
      break;
    }
    case 'string':
      if (typeof node.pattern === 'string' && compiles(node.pattern)) schema.pattern = node.pattern;
      if (typeof node.format === 'string' && STRICT_FORMATS.has(node.format)) schema.format = node.format;
      break;
    case 'number':
    case 'integer':
      for (const keyword of NUMBER_KEYWORDS)
        if (typeof node[keyword] === 'number' && Number.isFinite(node[keyword])) schema[keyword] = node[keyword];
      if (typeof node.multipleOf === 'number' && !(node.multipleOf > 0)) delete schema.multipleOf;
      break;
  }
  if (type !== 'object' && type !== 'array') {
    const fits = (value: unknown) => (value === null ? nullable || type === 'null' : matchesType(value, type));
    const values = Array.isArray(node.enum)
      ? [...new Set(node.enum.filter((value) => isScalar(value) && fits(value)))]
      : [];
    if (values.length) schema.enum = values;
    if (isScalar(node.const) && fits(node.const)) schema.const = node.const;
  }
  return schema;
}

function objectPart(node: JsonSchema, schema: JsonSchema, context: Context, notes: string[]): void {
  const declared = isSchema(node.properties) ? node.properties : {};
  const properties: JsonSchema = {};
  for (const [name, property] of Object.entries(declared)) properties[name] = portable(property, context);
  const required = strings(node.required);
  // A key that must be present but is not described may hold anything.
  for (const name of required) if (!(name in properties)) properties[name] = anyValue();
  const extra = node.additionalProperties;
  schema.properties = properties;
  if (required.length) schema.required = required;
  if (extra === false) schema.additionalProperties = false;
  else if (isSchema(extra) && Object.keys(extra).length) schema.additionalProperties = portable(extra, context);
  if (isSchema(node.patternProperties))
    notes.push(`other keys matching ${Object.keys(node.patternProperties).join(', ')}`);
  // Keys nobody declared: the model may send any, so strict mode (every key declared) cannot say it.
  if (
    extra === true ||
    isSchema(extra) ||
    isSchema(node.patternProperties) ||
    (Object.keys(properties).length === 0 && extra !== false)
  )
    context.open = true;
}

function viaRef(node: JsonSchema, context: Context): JsonSchema {
  const ref = node.$ref as string;
  const { $ref: _ref, ...siblings } = node;
  const target =
    context.refs.includes(ref) || context.refs.length >= MAX_REF_DEPTH ? undefined : resolvePointer(context.root, ref);
  if (!isSchema(target))
    return portable({ ...siblings, description: joinDescription(siblings.description, `see ${ref}`) }, context);
  context.refs.push(ref);
  try {
    // Beside a $ref, its siblings (a description) win over the target's own.
    return portable(merge(siblings, target), context);
  } finally {
    context.refs.pop();
  }
}

/** A local JSON pointer (`#/$defs/Name`, `#`); refs to other documents resolve to nothing. */
function resolvePointer(root: JsonSchema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').slice(1)) {
    let key: string;
    try {
      key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    target = isSchema(target) || Array.isArray(target) ? (target as Record<string, unknown>)[key] : undefined;
  }
  return target;
}

/** The branches of an `allOf` merged into one schema, and the `$ref`s that were inlined for it. */
function mergeAllOf(node: JsonSchema, context: Context): { merged: JsonSchema; refs: string[] } {
  const { allOf, ...rest } = node;
  let merged: JsonSchema = rest;
  const refs: string[] = [];
  for (const branch of allOf as unknown[]) {
    if (!isSchema(branch)) continue;
    const ref =
      typeof branch.$ref === 'string' && !context.refs.includes(branch.$ref) && !refs.includes(branch.$ref)
        ? branch.$ref
        : undefined;
    const target = ref === undefined ? undefined : resolvePointer(context.root, ref);
    if (ref !== undefined && isSchema(target)) refs.push(ref);
    merged = merge(merged, isSchema(target) ? merge(branchWithoutRef(branch), target) : branch);
  }
  return { merged, refs };
}

const branchWithoutRef = ({ $ref: _ref, ...rest }: JsonSchema): JsonSchema => rest;

/** Both schemas at once, as far as one schema can say it: `first`'s keywords win where they differ. */
function merge(first: JsonSchema, second: JsonSchema): JsonSchema {
  const merged: JsonSchema = { ...second, ...first };
  if (isSchema(first.properties) || isSchema(second.properties))
    merged.properties = {
      ...(first.properties as JsonSchema),
      ...(second.properties as JsonSchema),
      ...(first.properties as JsonSchema),
    };
  if ('required' in first || 'required' in second)
    merged.required = [...new Set([...strings(first.required), ...strings(second.required)])];
  const firstTypes = strings(Array.isArray(first.type) ? first.type : [first.type]);
  const secondTypes = strings(Array.isArray(second.type) ? second.type : [second.type]);
  const both = firstTypes.filter((type) => secondTypes.includes(type));
  if (firstTypes.length && secondTypes.length && both.length) merged.type = both.length === 1 ? both[0] : both;
  if (Array.isArray(first.enum) && Array.isArray(second.enum)) {
    const common = first.enum.filter((value) => (second.enum as unknown[]).includes(value));
    if (common.length) merged.enum = common;
  }
  if (Array.isArray(first.allOf) && Array.isArray(second.allOf)) merged.allOf = [...second.allOf, ...first.allOf];
  return merged;
}

/** What a schema without `type` must be, going by its other keywords. */
function inferTypes(node: JsonSchema): string[] {
  const values = [...(Array.isArray(node.enum) ? node.enum : []), ...('const' in node ? [node.const] : [])].filter(
    isScalar,
  );
  if (values.length) return [...new Set(values.map((value) => (value === null ? 'null' : typeof value)))];
  const has = (...keywords: string[]) => keywords.some((keyword) => keyword in node);
  if (
    has(
      'properties',
      'additionalProperties',
      'required',
      'patternProperties',
      'minProperties',
      'maxProperties',
      'propertyNames',
    )
  )
    return ['object'];
  if (has('items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains')) return ['array'];
  if (has('pattern', 'format', 'minLength', 'maxLength')) return ['string'];
  if (has(...NUMBER_KEYWORDS)) return ['number'];
  return [];
}

function matchesType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === type;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** One schema from several: nested unions flattened, repeats dropped, a single variant on its own. */
function unionOf(variants: JsonSchema[]): JsonSchema {
  const flat = variants.flatMap((variant) =>
    Array.isArray(variant.anyOf) && Object.keys(variant).length === 1 ? (variant.anyOf as JsonSchema[]) : [variant],
  );
  const unique = [...new Map(flat.map((variant) => [JSON.stringify(variant), variant])).values()];
  if (!unique.length) return anyValue();
  return unique.length === 1 ? unique[0]! : { anyOf: unique };
}

/** Keywords OpenAI does not take that still tell the model something, in a few words. */
function constraintNotes(node: JsonSchema): string[] {
  const notes: string[] = [];
  const short = (value: unknown) => JSON.stringify(value).slice(0, 60);
  if (isScalar(node.default) && node.default !== '') notes.push(`default ${short(node.default)}`);
  const min = node.minLength;
  const max = node.maxLength;
  if (typeof max === 'number')
    notes.push(typeof min === 'number' && min > 0 ? `${min}-${max} chars` : `max ${max} chars`);
  else if (typeof min === 'number' && min > 0) notes.push(`min ${min} chars`);
  if (typeof node.format === 'string' && !STRICT_FORMATS.has(node.format)) notes.push(`format ${node.format}`);
  if (typeof node.pattern === 'string' && !compiles(node.pattern)) notes.push(`pattern ${node.pattern.slice(0, 60)}`);
  if (node.uniqueItems === true) notes.push('no repeats');
  if (typeof node.minProperties === 'number' && node.minProperties > 0)
    notes.push(`at least ${node.minProperties} keys`);
  if (typeof node.exclusiveMinimum === 'boolean' || typeof node.exclusiveMaximum === 'boolean')
    notes.push('bounds exclusive');
  if (Array.isArray(node.enum) && node.enum.some((value) => !isScalar(value))) notes.push(`one of ${short(node.enum)}`);
  if ('const' in node && !isScalar(node.const)) notes.push(`must be ${short(node.const)}`);
  if ('not' in node) notes.push(`must not be ${short(node.not)}`);
  if ('if' in node) notes.push('conditional rules apply');
  if (isSchema(node.dependentRequired) || isSchema(node.dependencies)) notes.push('some keys need others');
  return notes;
}

const joinDescription = (...parts: unknown[]): string | undefined => {
  const text = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join('; ');
  return text ? (text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text) : undefined;
};

function describe(schema: JsonSchema, description: string | undefined, notes: string[]): JsonSchema {
  const text = joinDescription(description, ...new Set(notes));
  return text ? { ...schema, description: text } : schema;
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
