import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parametersProblem } from '../../fakes/openai/tool-schema.js';
import { toToolParameters, type JsonSchema } from '../../src/llm/strict-schema.js';

/**
 * Property: whatever JSON Schema an action carries, the tool parameters made from it are accepted
 * by OpenAI's checks (the fake's copy, fakes/openai/tool-schema.ts), strict or not. The schemas
 * cover Membrane's DataSchema (@membranehq/sdk dist/dts/data-schema/types.d.ts: `type` and `items`
 * optional, its own keywords) and the JSON Schema found in the wild: no type, arrays without items
 * or with tuple items, enums without a type, objects without properties or with schema-valued
 * additionalProperties, allOf/oneOf/anyOf/not/$ref, formats, `type: ['string', 'null']`, default
 * and examples, deep nesting.
 */
const names = fc.constantFrom(
  'name',
  'status',
  'amount',
  'fields',
  'filter',
  'where',
  'value',
  'id',
  'items',
  'type',
  'a b',
  'é',
  '$ref',
  '__proto__',
  '',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const typeName = fc.constantFrom('string', 'number', 'integer', 'boolean', 'object', 'array', 'null', 'date', 'any');
const ref = fc.constantFrom(
  '#/$defs/A',
  '#/$defs/B',
  '#/definitions/C',
  '#',
  '#/properties/a',
  '#/$defs/missing',
  'https://example.com/s.json',
  'other.json#/x',
  '#/$defs/%zz',
);

/** Keywords that hold no schema, in any combination. */
const leafKeywords = fc.record(
  {
    type: fc.oneof(typeName, fc.array(typeName, { maxLength: 3 }), fc.constant(['string', 'null'])),
    title: fc.string({ maxLength: 10 }),
    description: fc.string({ maxLength: 20 }),
    enum: fc.array(fc.oneof(scalar, fc.constant({ a: 1 }), fc.constant([1])), { maxLength: 5 }),
    const: scalar,
    format: fc.constantFrom('date', 'date-time', 'email', 'uri', 'uuid', 'markdown', 'phone'),
    pattern: fc.constantFrom('^[A-Z]', '(', '\\d+', '(?<=a)b', ''),
    default: fc.oneof(scalar, fc.constant({ a: 1 })),
    examples: fc.array(scalar, { maxLength: 2 }),
    minLength: fc.nat(20),
    maxLength: fc.nat(300),
    minimum: fc.oneof(fc.integer(), fc.double({ noNaN: true })),
    maximum: fc.integer(),
    exclusiveMinimum: fc.oneof(fc.integer(), fc.boolean()),
    multipleOf: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double({ noNaN: true })),
    minItems: fc.oneof(fc.nat(5), fc.integer({ min: -3, max: -1 })),
    maxItems: fc.nat(50),
    uniqueItems: fc.boolean(),
    required: fc.array(names, { maxLength: 3 }),
    readOnly: fc.boolean(),
    referenceCollection: fc.record({ key: fc.constantFrom('users', 'accounts') }),
    allowCustom: fc.boolean(),
    isImplied: fc.boolean(),
  },
  { requiredKeys: [] },
);
const withLeaf = (shape: fc.Arbitrary<JsonSchema>) =>
  fc.tuple(leafKeywords, shape).map(([leaf, own]) => ({ ...leaf, ...own }));

const { schema } = fc.letrec<{ schema: JsonSchema }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    leafKeywords,
    fc.constant({}),
    withLeaf(
      fc.record(
        {
          properties: fc.dictionary(names, tie('schema'), { maxKeys: 3 }),
          additionalProperties: fc.oneof(fc.boolean(), tie('schema')),
          patternProperties: fc.dictionary(fc.constantFrom('^x', '[', '.*'), tie('schema'), { maxKeys: 1 }),
        },
        { requiredKeys: [] },
      ),
    ),
    withLeaf(
      fc.record(
        { items: fc.oneof(tie('schema'), fc.array(tie('schema'), { maxLength: 2 }), fc.boolean()) },
        { requiredKeys: [] },
      ),
    ),
    fc.record({ $ref: ref, description: fc.string({ maxLength: 10 }) }, { requiredKeys: ['$ref'] }),
    withLeaf(fc.record({ allOf: fc.array(tie('schema'), { maxLength: 2 }) })),
    withLeaf(fc.record({ oneOf: fc.array(tie('schema'), { maxLength: 2 }) })),
    withLeaf(fc.record({ anyOf: fc.array(tie('schema'), { maxLength: 3 }) })),
    withLeaf(fc.record({ not: tie('schema') })),
  ),
}));

/** An action input: mostly an object, sometimes anything, with definitions for its $refs. */
const inputSchema = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('object', ['object', 'null']),
      properties: fc.dictionary(names, schema, { maxKeys: 5 }),
      required: fc.array(names, { maxLength: 4 }),
      additionalProperties: fc.oneof(fc.boolean(), schema),
      $defs: fc.record({ A: schema, B: schema }, { requiredKeys: [] }),
      definitions: fc.record({ C: schema }, { requiredKeys: [] }),
    },
    { requiredKeys: ['properties'] },
  ),
  schema,
);

/** Objects nested past strict mode's 10 levels, arrays among them. */
const deepSchema = fc
  .array(fc.constantFrom('object', 'array', 'untyped'), { minLength: 8, maxLength: 16 })
  .map((levels) =>
    levels.reduceRight<JsonSchema>(
      (inner, level) =>
        level === 'array'
          ? { type: 'array', items: inner }
          : level === 'object'
            ? { type: 'object', properties: { next: inner, other: { type: 'string' } } }
            : { properties: { next: inner } },
      { enum: ['a', 'b'] },
    ),
  );

function checkConversion(input: JsonSchema): 'strict' | 'non-strict' | 'no tool' {
  const before = JSON.stringify(input);
  const result = toToolParameters(input);
  expect(JSON.stringify(input), 'the input is not changed').toBe(before);
  if (!result) return 'no tool';
  // What goes over the wire is the JSON of it.
  const sent = JSON.parse(JSON.stringify(result.parameters)) as JsonSchema;
  expect(parametersProblem(sent, result.strict), JSON.stringify(sent)).toBeUndefined();
  return result.strict ? 'strict' : 'non-strict';
}

describe('tool parameters from any JSON Schema, fuzzed', () => {
  it('are always accepted by OpenAI, strict or not', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(inputSchema, (input) => {
        const outcome = checkConversion(input);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches every outcome, so the property says something about each.
    expect([...seen.keys()].sort()).toEqual(['no tool', 'non-strict', 'strict']);
  });

  it('stay within strict mode’s nesting limit, or go non-strict', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(deepSchema, (input) => {
        seen.add(checkConversion({ type: 'object', properties: { root: input } }));
      }),
      { numRuns: 300 },
    );
    expect(seen).toEqual(new Set(['strict', 'non-strict']));
  });
});
