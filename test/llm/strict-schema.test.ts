import { describe, expect, it } from 'vitest';
import { parametersProblem } from '../../fakes/openai/tool-schema.js';
import { dropNulls, toToolParameters, type JsonSchema } from '../../src/llm/strict-schema.js';

const EMPTY_STRICT = { type: 'object', properties: {}, required: [], additionalProperties: false };
const ANY_SCALAR = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };
const ANY_VALUE = { anyOf: [...ANY_SCALAR.anyOf, { type: 'array', items: ANY_SCALAR }] };

/** The conversion, checked the way OpenAI checks what it is sent (fakes/openai/tool-schema.ts). */
function convert(schema: JsonSchema | undefined) {
  const result = toToolParameters(schema);
  expect(result, 'converts').toBeDefined();
  expect(parametersProblem(result!.parameters, result!.strict)).toBeUndefined();
  return result!;
}
const strictOf = (schema: JsonSchema) => {
  const result = convert(schema);
  expect(result.strict).toBe(true);
  return result.parameters;
};

describe('toToolParameters: strict copies', () => {
  it('makes optional properties required and nullable, leaving required ones as they are', () => {
    expect(
      strictOf({
        type: 'object',
        properties: { name: { type: 'string' }, amount: { type: 'number' } },
        required: ['name'],
      }),
    ).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, amount: { type: ['number', 'null'] } },
      required: ['name', 'amount'],
      additionalProperties: false,
    });
  });

  it('appends null to the enum of an optional enum property and keeps a required one as it is', () => {
    const strict = strictOf({
      type: 'object',
      properties: { stage: { type: 'string', enum: ['A', 'B'] }, kind: { type: 'string', enum: ['x'] } },
      required: ['kind'],
    });
    expect(strict.properties).toEqual({
      stage: { type: ['string', 'null'], enum: ['A', 'B', null] },
      kind: { type: 'string', enum: ['x'] },
    });
  });

  it('keeps a nullable type array and turns other type arrays into a union', () => {
    const strict = strictOf({
      type: 'object',
      properties: { note: { type: ['string', 'null'] }, when: { type: ['string', 'integer'] } },
      required: ['note', 'when'],
    });
    expect(strict.properties).toEqual({
      note: { type: ['string', 'null'] },
      when: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
    });
  });

  it('converts nested objects and array items, forbidding extra keys everywhere; an optional object becomes anyOf with null', () => {
    const strict = strictOf({
      type: 'object',
      properties: {
        fields: { type: 'object', properties: { name: { type: 'string' } } },
        where: {
          type: 'array',
          items: { type: 'object', properties: { attribute: { type: 'string' } }, required: ['attribute'] },
        },
      },
      required: ['where'],
    });
    expect(strict.properties).toEqual({
      fields: {
        anyOf: [
          {
            type: 'object',
            properties: { name: { type: ['string', 'null'] } },
            required: ['name'],
            additionalProperties: false,
          },
          { type: 'null' },
        ],
      },
      where: {
        type: 'array',
        items: {
          type: 'object',
          properties: { attribute: { type: 'string' } },
          required: ['attribute'],
          additionalProperties: false,
        },
      },
    });
  });

  it('turns a schema without properties (or none at all) into an empty strict object', () => {
    expect(convert(undefined)).toEqual({ parameters: EMPTY_STRICT, strict: true });
    expect(convert({ type: 'object' })).toEqual({ parameters: EMPTY_STRICT, strict: true });
    expect(convert({})).toEqual({ parameters: EMPTY_STRICT, strict: true });
  });

  it('does not change the schema it is given', () => {
    const schema = { type: 'object', properties: { stage: { enum: ['A'], default: 'A' }, list: { type: 'array' } } };
    const before = JSON.stringify(schema);
    convert(schema);
    expect(JSON.stringify(schema)).toBe(before);
  });
});

describe("toToolParameters: Membrane's DataSchema shapes OpenAI would refuse as they are", () => {
  it('gives a property without a type the type its keywords imply, or "any value"', () => {
    const strict = strictOf({
      type: 'object',
      properties: {
        value: { description: 'Anything' },
        stage: { enum: ['A', 'B'] },
        mixed: { enum: ['x', 1] },
        date: { format: 'date' },
        size: { minimum: 1 },
        nested: { properties: { a: { type: 'string' } } },
      },
      required: ['value', 'stage', 'mixed', 'date', 'size', 'nested'],
    });
    expect(strict.properties).toEqual({
      value: { ...ANY_VALUE, description: 'Anything' },
      stage: { type: 'string', enum: ['A', 'B'] },
      mixed: {
        anyOf: [
          { type: 'string', enum: ['x'] },
          { type: 'number', enum: [1] },
        ],
      },
      date: { type: 'string', format: 'date' },
      size: { type: 'number', minimum: 1 },
      nested: {
        type: 'object',
        properties: { a: { type: ['string', 'null'] } },
        required: ['a'],
        additionalProperties: false,
      },
    });
  });

  it('gives an array without items (or with items: true) items of any value, and a tuple the union of its items', () => {
    const strict = strictOf({
      type: 'object',
      properties: {
        ids: { type: 'array' },
        any: { type: 'array', items: true },
        pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
        implied: { items: { type: 'string' } },
      },
      required: ['ids', 'any', 'pair', 'implied'],
    });
    expect(strict.properties).toEqual({
      ids: { type: 'array', items: ANY_VALUE },
      any: { type: 'array', items: ANY_VALUE },
      pair: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } },
      implied: { type: 'array', items: { type: 'string' } },
    });
  });

  it('moves keywords strict mode refuses into the description, and drops mere annotations', () => {
    const strict = strictOf({
      type: 'object',
      title: 'Input',
      properties: {
        name: {
          type: 'string',
          title: 'Name',
          description: 'Full name',
          default: 'x',
          minLength: 1,
          maxLength: 9,
          examples: ['Bob'],
          pattern: '^[A-Z]',
          readOnly: false,
        },
        site: { type: 'string', format: 'uri', referenceCollection: { key: 'sites' } },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true },
        count: { type: 'integer', minimum: 1, maximum: 20, multipleOf: 1 },
        kind: { type: 'string', not: { const: 'x' } },
      },
      required: ['name', 'site', 'tags', 'count', 'kind'],
    });
    expect(strict.properties).toEqual({
      name: { type: 'string', pattern: '^[A-Z]', description: 'Full name; default "x"; 1-9 chars' },
      site: { type: 'string', description: 'format uri' },
      tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, description: 'no repeats' },
      count: { type: 'integer', minimum: 1, maximum: 20, multipleOf: 1 },
      kind: { type: 'string', description: 'must not be {"const":"x"}' },
    });
    expect(strict).not.toHaveProperty('title');
  });

  it('inlines local $refs, cuts a recursive one off as "any value", and reads an unknown one as any value', () => {
    const strict = strictOf({
      type: 'object',
      $defs: {
        Money: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
        Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } },
      },
      properties: {
        price: { $ref: '#/$defs/Money', description: 'Price' },
        chain: { $ref: '#/$defs/Node' },
        remote: { $ref: 'https://example.com/x.json' },
      },
      required: ['price', 'chain', 'remote'],
    });
    expect(strict.properties).toMatchObject({
      price: { type: 'object', description: 'Price', properties: { amount: { type: 'number' } } },
      remote: { ...ANY_VALUE, description: 'see https://example.com/x.json' },
    });
    expect(JSON.stringify(strict)).not.toContain('$ref');
    expect(JSON.stringify((strict.properties as JsonSchema).chain)).toContain('see #/$defs/Node');
  });

  it('merges allOf, reads oneOf as anyOf, and keeps a nullable union', () => {
    const strict = strictOf({
      type: 'object',
      properties: {
        both: {
          allOf: [
            { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
            { properties: { b: { type: 'number' } } },
          ],
        },
        either: {
          oneOf: [{ type: 'string' }, { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }],
        },
        maybe: { type: ['object', 'null'], properties: { x: { type: 'boolean' } }, required: ['x'] },
      },
      required: ['both', 'either', 'maybe'],
    });
    expect(strict.properties).toEqual({
      both: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: ['number', 'null'] } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
      either: {
        anyOf: [
          { type: 'string' },
          { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
        ],
      },
      maybe: {
        anyOf: [
          { type: 'object', properties: { x: { type: 'boolean' } }, required: ['x'], additionalProperties: false },
          { type: 'null' },
        ],
      },
    });
  });

  it('declares a required key the schema does not describe, as any value', () => {
    const strict = strictOf({ type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'b'] });
    expect(strict.properties).toEqual({ a: { type: 'string' }, b: ANY_VALUE });
    expect(strict.required).toEqual(['a', 'b']);
  });

  it('makes one object of a root union of objects, requiring what every form requires', () => {
    const result = convert({
      anyOf: [
        { type: 'object', properties: { id: { type: 'string' }, a: { type: 'string' } }, required: ['id', 'a'] },
        { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      ],
    });
    expect(result.parameters).toMatchObject({
      type: 'object',
      required: ['id', 'a'],
      properties: { id: { type: 'string' }, a: { type: ['string', 'null'] } },
    });
  });

  it('offers no tool for an input that is not an object', () => {
    expect(toToolParameters({ type: 'string' })).toBeUndefined();
    expect(toToolParameters({ type: 'array', items: { type: 'string' } })).toBeUndefined();
  });
});

describe('toToolParameters: honestly non-strict', () => {
  it('sends a free-form object non-strict, still with types, items and properties everywhere', () => {
    const result = convert({
      type: 'object',
      properties: {
        fields: { type: 'object' },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        tags: { type: 'array' },
        stage: { enum: ['A'] },
      },
      required: ['fields'],
    });
    expect(result).toEqual({
      strict: false,
      parameters: {
        type: 'object',
        properties: {
          fields: { type: 'object', properties: {} },
          map: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
          tags: { type: 'array', items: ANY_VALUE },
          stage: { type: 'string', enum: ['A'] },
        },
        required: ['fields'],
      },
    });
  });

  it('sends an object that allows other keys, at any depth, non-strict', () => {
    expect(convert({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true }).strict).toBe(
      false,
    );
    expect(convert({ type: 'object', additionalProperties: true }).strict).toBe(false);
    expect(
      convert({
        type: 'object',
        properties: { f: { type: 'object', patternProperties: { '^x': { type: 'string' } } } },
      }).strict,
    ).toBe(false);
  });

  it('sends a schema deeper than strict mode allows non-strict', () => {
    let deep: JsonSchema = { type: 'string' };
    for (let level = 0; level < 12; level++) deep = { type: 'object', properties: { next: deep }, required: ['next'] };
    expect(convert(deep).strict).toBe(false);
  });

  it('sends a schema with more than 1,000 enum values non-strict', () => {
    const properties = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [
        `p${i}`,
        { type: 'string', enum: Array.from({ length: 100 }, (_, j) => `v${j}`) },
      ]),
    );
    expect(convert({ type: 'object', properties }).strict).toBe(false);
  });
});

describe('dropNulls', () => {
  const schema = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      note: { type: ['string', 'null'] },
      fields: {
        type: 'object',
        properties: { name: { type: 'string' }, closeDate: { type: 'string' } },
        required: ['name'],
      },
      where: {
        type: 'array',
        items: { type: 'object', properties: { type: { type: 'string' }, value: { type: 'string' } } },
      },
      free: { type: 'object' },
    },
    required: ['id'],
  };

  it('drops the nulls of optional properties, at every depth the schema describes', () => {
    expect(
      dropNulls({ id: 'x', fields: { name: 'n', closeDate: null }, where: [{ type: 'equals', value: null }] }, schema),
    ).toEqual({
      id: 'x',
      fields: { name: 'n' },
      where: [{ type: 'equals' }],
    });
  });

  it('keeps nulls the schema allows, nulls of required properties, and nulls where the schema says nothing', () => {
    expect(dropNulls({ id: null, note: null, fields: { name: null }, free: { a: null } }, schema)).toEqual({
      id: null,
      note: null,
      fields: { name: null },
      free: { a: null },
    });
  });

  it('keeps falsy values that are not null', () => {
    expect(dropNulls({ id: '', fields: { name: '', closeDate: '' } }, schema)).toEqual({
      id: '',
      fields: { name: '', closeDate: '' },
    });
  });

  it('returns the value as it is without a schema, and does not change its input', () => {
    expect(dropNulls({ a: null }, undefined)).toEqual({ a: null });
    const input = { id: 'x', fields: { name: 'n', closeDate: null } };
    dropNulls(input, schema);
    expect(input).toEqual({ id: 'x', fields: { name: 'n', closeDate: null } });
  });
});
