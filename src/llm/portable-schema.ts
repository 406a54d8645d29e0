import {
  anyValue,
  compiles,
  isScalar,
  isSchema,
  matchesType,
  NUMBER_KEYWORDS,
  STRICT_FORMATS,
  strings,
  type JsonSchema,
} from './schema-basics.js';
import { constraintNotes, describe, joinDescription } from './schema-notes.js';

/**
 * Portable: every subschema gets a type (inferred, or "any value" spelled as a union of scalars),
 * every array its `items`, every object its `properties`; `$ref`s are inlined, `allOf` merged,
 * `oneOf` read as `anyOf`; keywords outside OpenAI's documented subset become words in the
 * description or are dropped when they only annotate (title, examples, referenceCollection).
 */

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** `$ref`s followed inside one another before a recursive schema is cut off as "any value". */
const MAX_REF_DEPTH = 8;

/** Subschemas converted per schema: `$ref`s and `allOf`s can multiply a small schema without end. */
const MAX_STEPS = 20_000;

interface Context {
  root: JsonSchema;
  /** `$ref`s being followed, to stop at a cycle. */
  refs: string[];
  /** Set when some object takes keys it does not declare: such a schema cannot be strict. */
  open: boolean;
  steps: number;
}

/**
 * A copy of `schema` OpenAI can read, strict or not; `open` when some object in it takes keys it
 * does not declare (such a schema cannot be strict).
 */
export function portableCopy(schema: JsonSchema): { schema: JsonSchema; open: boolean } {
  const context: Context = { root: schema, refs: [], open: false, steps: 0 };
  return { schema: portable(schema, context), open: context.open };
}

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

/** One schema from several: nested unions flattened, repeats dropped, a single variant on its own. */
function unionOf(variants: JsonSchema[]): JsonSchema {
  const flat = variants.flatMap((variant) =>
    Array.isArray(variant.anyOf) && Object.keys(variant).length === 1 ? (variant.anyOf as JsonSchema[]) : [variant],
  );
  const unique = [...new Map(flat.map((variant) => [JSON.stringify(variant), variant])).values()];
  if (!unique.length) return anyValue();
  return unique.length === 1 ? unique[0]! : { anyOf: unique };
}
