// What OpenAI's Chat Completions API checks in `tools[i].function` before a model sees it, so the
// fake refuses what OpenAI refuses. Rules and wording, by source:
//  - Structured Outputs guide, "Supported schemas" (platform.openai.com/docs/guides/structured-outputs):
//    root must be an object and not anyOf; every object `additionalProperties: false` and every
//    property in `required`; supported types string, number, integer, boolean, object, array, null,
//    enum, anyOf, $defs/$ref; keywords pattern and format (date-time, time, date, duration, email,
//    hostname, ipv4, ipv6, uuid) for strings, minimum/maximum/exclusive*/multipleOf for numbers,
//    minItems/maxItems for arrays; at most 5,000 properties, 10 levels of nesting, 1,000 enum values,
//    120,000 characters of property names, definition names, enum and const values, and 15,000 for
//    the values of one enum with more than 250 of them.
//  - The error envelope and messages, as OpenAI returned them (quoted in public issues):
//    {message: "Invalid schema for function 'X': In context=('properties', 'blocks'), array schema
//    missing items.", type: 'invalid_request_error', param: 'tools[6].function.parameters', code:
//    'invalid_function_parameters'} (gumloop/guMCP#136, modelscope/ms-agent#610, mark3labs/mcphost#35:
//    also for non-strict tools); "schema must have a 'type' key" (apexive/odoo-llm#212); "object
//    schema missing properties" (evalstate/fast-agent#143); "schema must be a JSON Schema of 'type:
//    \"object\"', got 'type: \"None\"'" (ComposioHQ/composio#1829); strict: "'additionalProperties'
//    is required to be supplied and to be false" (spring-projects/spring-ai#6865), "'default' is not
//    permitted" (a zenn.dev report), "N levels of nesting exceeds limit of M" (tidyverse/ellmer#671).
// Non-strict tools get the structural checks only; strict ones the whole subset.

type Schema = Record<string, unknown>;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const STRICT_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
/** Keywords a strict schema may use (the guide's supported list, plus annotations the SDK's own helpers emit). */
const STRICT_KEYWORDS = new Set([
  'type',
  'description',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'enum',
  'const',
  '$ref',
  '$defs',
  'definitions',
  '$schema',
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
const LIMITS = {
  depth: 10,
  properties: 5000,
  enumValues: 1000,
  characters: 120_000,
  bigEnum: 250,
  bigEnumCharacters: 15_000,
};
/** Function names: `^[a-zA-Z0-9_-]{1,64}$` (the API reference for `function.name`). */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Python's repr of the path tuple, as OpenAI prints it: `()`, `('properties',)`, `('properties', 'a')`. */
function context(path: string[]): string {
  return path.length === 1 ? `('${path[0]}',)` : `(${path.map((part) => `'${part}'`).join(', ')})`;
}

class SchemaProblem extends Error {
  constructor(path: string[], problem: string) {
    super(path.length ? `In context=${context(path)}, ${problem}` : problem);
  }
}

interface Walk {
  strict: boolean;
  root: Schema;
  properties: number;
  enumValues: number;
  characters: number;
}

function check(node: unknown, path: string[], depth: number, walk: Walk): void {
  if (!isSchema(node)) throw new SchemaProblem(path, `${JSON.stringify(node)} is not of type 'object'`);
  if (walk.strict) {
    const unknown = Object.keys(node).find((keyword) => !STRICT_KEYWORDS.has(keyword));
    if (unknown) throw new SchemaProblem(path, `'${unknown}' is not permitted`);
    if (depth > LIMITS.depth)
      throw new SchemaProblem(path, `${depth} levels of nesting exceeds limit of ${LIMITS.depth}`);
  }
  if (typeof node.$ref === 'string') {
    if (!resolves(walk.root, node.$ref))
      throw new SchemaProblem(path, `reference to component '${node.$ref}' which was not found in the schema`);
    return;
  }
  if (Array.isArray(node.anyOf)) {
    if (!node.anyOf.length) throw new SchemaProblem(path, "'anyOf' must be a non-empty array");
    node.anyOf.forEach((variant, index) => check(variant, [...path, 'anyOf', String(index)], depth, walk));
    if (node.type === undefined) return;
  }
  if (node.type === undefined) throw new SchemaProblem(path, "schema must have a 'type' key");
  const types = Array.isArray(node.type) ? node.type : [node.type];
  types.forEach((type, index) => {
    if (typeof type !== 'string' || !TYPES.has(type))
      throw new SchemaProblem(
        [...path, 'type', ...(Array.isArray(node.type) ? [String(index)] : [])],
        `${JSON.stringify(type)} is not valid under any of the given schemas`,
      );
  });

  if (types.includes('array')) {
    if (!('items' in node)) throw new SchemaProblem(path, 'array schema missing items');
    check(node.items, [...path, 'items'], depth + 1, walk);
  }
  if (types.includes('object')) checkObject(node, path, depth, walk);
  if (walk.strict) checkStrictValues(node, path, walk);
}

function checkObject(node: Schema, path: string[], depth: number, walk: Walk): void {
  if (!isSchema(node.properties)) throw new SchemaProblem(path, 'object schema missing properties');
  const names = Object.keys(node.properties);
  if (walk.strict) {
    if (node.additionalProperties !== false)
      throw new SchemaProblem(path, "'additionalProperties' is required to be supplied and to be false");
    const required = Array.isArray(node.required) ? node.required : undefined;
    const missing = names.find((name) => !required?.includes(name));
    if (!required || missing !== undefined) {
      throw new SchemaProblem(
        path,
        `'required' is required to be supplied and to be an array including every key in properties.${missing !== undefined ? ` Missing '${missing}'.` : ''}`,
      );
    }
    const extra = required.find((name) => typeof name !== 'string' || !names.includes(name));
    if (extra !== undefined)
      throw new SchemaProblem(
        path,
        `'required' is required to be supplied and to be an array including every key in properties. Extra required key '${String(extra)}' supplied.`,
      );
  } else if (isSchema(node.additionalProperties)) {
    check(node.additionalProperties, [...path, 'additionalProperties'], depth + 1, walk);
  }
  for (const name of names) {
    walk.properties += 1;
    walk.characters += name.length;
    check(node.properties[name], [...path, 'properties', name], depth + 1, walk);
  }
  for (const keyword of ['$defs', 'definitions']) {
    if (!isSchema(node[keyword])) continue;
    for (const [name, definition] of Object.entries(node[keyword])) {
      walk.characters += name.length;
      check(definition, [...path, keyword, name], depth + 1, walk);
    }
  }
}

function checkStrictValues(node: Schema, path: string[], walk: Walk): void {
  if (node.format !== undefined && !STRICT_FORMATS.has(String(node.format)))
    throw new SchemaProblem(path, `format '${String(node.format)}' is not supported`);
  if (node.pattern !== undefined) {
    try {
      new RegExp(String(node.pattern), 'u');
    } catch {
      throw new SchemaProblem(path, `pattern '${String(node.pattern)}' is not a valid regular expression`);
    }
  }
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum) || !node.enum.length)
      throw new SchemaProblem(path, "'enum' must be a non-empty array");
    walk.enumValues += node.enum.length;
    const text = node.enum.reduce<number>((sum, value) => sum + (typeof value === 'string' ? value.length : 0), 0);
    walk.characters += text;
    if (node.enum.length > LIMITS.bigEnum && text > LIMITS.bigEnumCharacters)
      throw new SchemaProblem(
        path,
        `enum with more than ${LIMITS.bigEnum} values may have at most ${LIMITS.bigEnumCharacters} characters`,
      );
  }
  if (typeof node.const === 'string') walk.characters += node.const.length;
}

function resolves(root: Schema, ref: string): boolean {
  if (ref === '#') return true;
  if (!ref.startsWith('#/')) return false;
  let target: unknown = root;
  for (const part of ref.slice(2).split('/'))
    target = isSchema(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isSchema(target);
}

/** OpenAI's complaint about a tool's `function`, or undefined when it would be accepted. */
export function functionProblem(
  fn: unknown,
): { message: string; param: 'name' | 'parameters'; code: string } | undefined {
  const { name, parameters, strict } = (isSchema(fn) ? fn : {}) as {
    name?: unknown;
    parameters?: unknown;
    strict?: unknown;
  };
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    return {
      param: 'name',
      code: 'invalid_value',
      message: "string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
    };
  }
  const problem = parametersProblem(parameters, strict === true);
  return problem
    ? {
        param: 'parameters',
        code: 'invalid_function_parameters',
        message: `Invalid schema for function '${name}': ${problem}.`,
      }
    : undefined;
}

/** The problem with one tool's parameters (strict or not), in OpenAI's words; undefined when it is fine. */
export function parametersProblem(parameters: unknown, strict: boolean): string | undefined {
  // No parameters at all: a function without arguments.
  if (parameters === undefined) return undefined;
  if (!isSchema(parameters) || parameters.type !== 'object') {
    const type =
      isSchema(parameters) && parameters.type !== undefined
        ? JSON.stringify(parameters.type).replace(/^"|"$/g, '')
        : 'None';
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${type}"'`;
  }
  if (strict && parameters.anyOf !== undefined) return "In context=(), root schema must not be 'anyOf'";
  const walk: Walk = { strict, root: parameters, properties: 0, enumValues: 0, characters: 0 };
  try {
    check(parameters, [], 1, walk);
  } catch (error) {
    if (error instanceof SchemaProblem) return error.message;
    throw error;
  }
  if (strict && walk.properties > LIMITS.properties)
    return `In context=(), object schema has ${walk.properties} properties, which exceeds the limit of ${LIMITS.properties}`;
  if (strict && walk.enumValues > LIMITS.enumValues)
    return `In context=(), schema has ${walk.enumValues} enum values, which exceeds the limit of ${LIMITS.enumValues}`;
  if (strict && walk.characters > LIMITS.characters)
    return `In context=(), property names and enum values total ${walk.characters} characters, which exceeds the limit of ${LIMITS.characters}`;
  return undefined;
}
