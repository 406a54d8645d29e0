import { describe, expect, it } from 'vitest';
import { dropNulls, toStrictSchema } from '../../src/llm/strict-schema.js';

const EMPTY_STRICT = { type: 'object', properties: {}, required: [], additionalProperties: false };

describe('toStrictSchema', () => {
  it('makes optional properties required and nullable, leaving required ones as they are', () => {
    const strict = toStrictSchema({
      type: 'object',
      properties: {
        name: { type: 'string' },
        amount: { type: 'number' },
        when: { type: ['string', 'integer'] },
      },
      required: ['name'],
    });
    expect(strict).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        amount: { type: ['number', 'null'] },
        when: { type: ['string', 'integer', 'null'] },
      },
      required: ['name', 'amount', 'when'],
      additionalProperties: false,
    });
  });

  it('appends null to the enum of an optional enum property', () => {
    const strict = toStrictSchema({ type: 'object', properties: { stage: { type: 'string', enum: ['Prospecting', 'Closed Won'] } } });
    expect(strict?.properties).toEqual({ stage: { type: ['string', 'null'], enum: ['Prospecting', 'Closed Won', null] } });
  });

  it('appends null to the enum of an optional property typed with a type array', () => {
    const strict = toStrictSchema({ type: 'object', properties: { size: { type: ['string', 'integer'], enum: ['big', 1] } } });
    expect(strict?.properties).toEqual({ size: { type: ['string', 'integer', 'null'], enum: ['big', 1, null] } });
  });

  it('keeps a required enum without null', () => {
    const strict = toStrictSchema({ type: 'object', properties: { stage: { type: 'string', enum: ['A', 'B'] } }, required: ['stage'] });
    expect(strict?.properties).toEqual({ stage: { type: 'string', enum: ['A', 'B'] } });
  });

  it('wraps an optional property without a single type in anyOf with null', () => {
    const strict = toStrictSchema({ type: 'object', properties: { value: { anyOf: [{ type: 'string' }, { type: 'number' }] } } });
    expect(strict?.properties).toEqual({ value: { anyOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'null' }] } });
  });

  it('converts nested objects and array items, forbidding extra keys everywhere', () => {
    const strict = toStrictSchema({
      type: 'object',
      properties: {
        fields: { type: 'object', properties: { name: { type: 'string' }, status: { type: 'string' } }, required: ['name'] },
        where: {
          type: 'array',
          items: { type: 'object', properties: { attribute: { type: 'string' }, value: { type: 'string' } }, required: ['attribute'] },
        },
      },
      required: ['fields', 'where'],
    });
    expect(strict).toEqual({
      type: 'object',
      properties: {
        fields: {
          type: 'object',
          properties: { name: { type: 'string' }, status: { type: ['string', 'null'] } },
          required: ['name', 'status'],
          additionalProperties: false,
        },
        where: {
          type: 'array',
          items: {
            type: 'object',
            properties: { attribute: { type: 'string' }, value: { type: ['string', 'null'] } },
            required: ['attribute', 'value'],
            additionalProperties: false,
          },
        },
      },
      required: ['fields', 'where'],
      additionalProperties: false,
    });
  });

  it('makes an optional nested object nullable after converting it', () => {
    const strict = toStrictSchema({ type: 'object', properties: { fields: { type: 'object', properties: { name: { type: 'string' } } } } });
    expect(strict?.properties).toEqual({
      fields: { type: ['object', 'null'], properties: { name: { type: ['string', 'null'] } }, required: ['name'], additionalProperties: false },
    });
  });

  it('treats an object with properties but no type as an object', () => {
    const strict = toStrictSchema({ properties: { name: { type: 'string' } }, required: ['name'] });
    expect(strict).toEqual({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false });
  });

  it('drops keywords strict mode does not accept and keeps the ones it does', () => {
    const strict = toStrictSchema({
      type: 'object',
      title: 'Input',
      properties: {
        name: { type: 'string', description: 'The name', default: 'x', minLength: 1, maxLength: 9, examples: ['Bob'], pattern: '^[A-Z]' },
        count: { type: 'integer', minimum: 1, maximum: 20, multipleOf: 1, default: 10 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true },
      },
      required: ['name', 'count', 'tags'],
    });
    expect(strict).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'The name', pattern: '^[A-Z]' },
        count: { type: 'integer', minimum: 1, maximum: 20, multipleOf: 1 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
      },
      required: ['name', 'count', 'tags'],
      additionalProperties: false,
    });
  });

  it('keeps date and date-time formats and drops unsupported ones', () => {
    const strict = toStrictSchema({
      type: 'object',
      properties: {
        closeDate: { type: 'string', format: 'date' },
        dateEnd: { type: 'string', format: 'date-time' },
        email: { type: 'string', format: 'email' },
        website: { type: 'string', format: 'uri' },
        note: { type: 'string', format: 'markdown' },
      },
      required: ['closeDate', 'dateEnd', 'email', 'website', 'note'],
    });
    expect(strict?.properties).toEqual({
      closeDate: { type: 'string', format: 'date' },
      dateEnd: { type: 'string', format: 'date-time' },
      email: { type: 'string', format: 'email' },
      website: { type: 'string' },
      note: { type: 'string' },
    });
  });

  it('gives up (undefined) on a nested free-form object without properties', () => {
    expect(toStrictSchema({ type: 'object', properties: { fields: { type: 'object' } }, required: ['fields'] })).toBeUndefined();
  });

  it('gives up on an object that allows additional properties', () => {
    expect(toStrictSchema({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true })).toBeUndefined();
    expect(toStrictSchema({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } })).toBeUndefined();
    expect(toStrictSchema({ type: 'object', additionalProperties: true })).toBeUndefined();
    expect(
      toStrictSchema({ type: 'object', properties: { fields: { type: 'object', additionalProperties: true } }, required: ['fields'] }),
    ).toBeUndefined();
  });

  it('gives up on allOf and $ref next to properties, at any depth', () => {
    expect(toStrictSchema({ type: 'object', properties: { a: { type: 'string' } }, allOf: [{ required: ['a'] }] })).toBeUndefined();
    expect(toStrictSchema({ type: 'object', properties: { a: { $ref: '#/$defs/A' } } })).toBeUndefined();
    expect(toStrictSchema({ type: 'object', properties: { a: { type: 'array', items: { not: { type: 'null' } } } } })).toBeUndefined();
  });

  it('gives up on a top-level $ref or allOf without properties', () => {
    expect(toStrictSchema({ $ref: '#/$defs/In', $defs: { In: { type: 'object', properties: { a: { type: 'string' } } } } })).toBeUndefined();
    expect(toStrictSchema({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }] })).toBeUndefined();
  });

  it('turns a schema without properties (or none at all) into an empty strict object', () => {
    expect(toStrictSchema(undefined)).toEqual(EMPTY_STRICT);
    expect(toStrictSchema({ type: 'object' })).toEqual(EMPTY_STRICT);
    expect(toStrictSchema({ type: 'object', additionalProperties: false })).toEqual(EMPTY_STRICT);
  });

  it('converts anyOf variants and oneOf as anyOf', () => {
    const strict = toStrictSchema({
      type: 'object',
      properties: {
        target: { oneOf: [{ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, { type: 'string' }] },
      },
      required: ['target'],
    });
    expect(strict?.properties).toEqual({
      target: { anyOf: [{ type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false }, { type: 'string' }] },
    });
  });

  it('does not change the schema it is given', () => {
    const schema = { type: 'object', properties: { stage: { type: 'string', enum: ['A'], default: 'A' } } };
    const before = JSON.stringify(schema);
    toStrictSchema(schema);
    expect(JSON.stringify(schema)).toBe(before);
  });
});

describe('dropNulls', () => {
  const schema = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      note: { type: ['string', 'null'] },
      fields: { type: 'object', properties: { name: { type: 'string' }, closeDate: { type: 'string' } }, required: ['name'] },
      where: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, value: { type: 'string' } } } },
      free: { type: 'object' },
    },
    required: ['id'],
  };

  it('drops the nulls of optional properties, at every depth the schema describes', () => {
    expect(dropNulls({ id: 'x', fields: { name: 'n', closeDate: null }, where: [{ type: 'equals', value: null }] }, schema)).toEqual({
      id: 'x',
      fields: { name: 'n' },
      where: [{ type: 'equals' }],
    });
  });

  it('keeps nulls the schema allows, nulls of required properties, and nulls where the schema says nothing', () => {
    expect(dropNulls({ id: null, note: null, fields: { name: null }, free: { a: null } }, schema)).toEqual({ id: null, note: null, fields: { name: null }, free: { a: null } });
  });

  it('keeps falsy values that are not null', () => {
    expect(dropNulls({ id: '', fields: { name: '', closeDate: '' } }, schema)).toEqual({ id: '', fields: { name: '', closeDate: '' } });
  });

  it('returns the value as it is without a schema, and does not change its input', () => {
    expect(dropNulls({ a: null }, undefined)).toEqual({ a: null });
    const input = { id: 'x', fields: { name: 'n', closeDate: null } };
    dropNulls(input, schema);
    expect(input).toEqual({ id: 'x', fields: { name: 'n', closeDate: null } });
  });
});
