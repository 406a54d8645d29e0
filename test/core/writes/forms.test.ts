import { describe, expect, it } from 'vitest';
import {
  ESPO_DATETIME_PATTERN,
  MAX_FORM_FIELDS,
  fieldsFromValues,
  formFields,
  label,
  shownFields,
} from '../../../src/core/writes/forms.js';

const schema = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

describe('formFields: a JSON Schema as form fields', () => {
  it('gives each type its input', () => {
    const fields = formFields(
      schema({
        name: { type: 'string', maxLength: 255 },
        notes: { type: 'string', maxLength: 65_000 },
        description: { type: 'string' },
        doNotCall: { type: 'boolean' },
        probability: { type: 'integer' },
        amount: { type: ['number', 'null'] },
        closeDate: { type: 'string', format: 'date' },
        meetsAt: { type: 'string', format: 'date-time' },
        dateStart: { type: 'string', pattern: ESPO_DATETIME_PATTERN },
        emailAddress: { type: 'string', format: 'email' },
        website: { type: 'string', format: 'uri' },
      }),
    );
    expect(Object.fromEntries(fields.map((f) => [f.name, [f.kind, f.datetime]]))).toEqual({
      name: ['text', undefined],
      notes: ['multiline', undefined],
      description: ['multiline', undefined],
      doNotCall: ['checkbox', undefined],
      probability: ['integer', undefined],
      amount: ['number', undefined],
      closeDate: ['date', undefined],
      meetsAt: ['datetime', 'iso'],
      dateStart: ['datetime', 'espo'],
      emailAddress: ['email', undefined],
      website: ['url', undefined],
    });
  });

  it('offers an enum\'s text options as a select, without the empty "none" choice', () => {
    const [status] = formFields(schema({ status: { type: 'string', enum: ['', 'New', 'Assigned', null] } }));
    expect(status).toMatchObject({ kind: 'select', options: ['New', 'Assigned'] });
  });

  it('asks for an enum without text options the way its type is asked for', () => {
    const fields = formFields(
      schema({ rating: { type: 'integer', enum: [1, 2, 3] }, code: { type: 'string', enum: [''] } }),
    );
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ['rating', 'integer'],
      ['code', 'text'],
    ]);
  });

  it("puts required fields first, each part in the schema's order, and marks them", () => {
    const fields = formFields(
      schema({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' }, d: { type: 'string' } }, [
        'd',
        'b',
      ]),
    );
    expect(fields.map((f) => [f.name, f.required])).toEqual([
      ['b', true],
      ['d', true],
      ['a', false],
      ['c', false],
    ]);
  });

  it('labels fields in words', () => {
    expect(label('emailAddress')).toBe('Email address');
    expect(label('dateStart')).toBe('Date start');
  });

  it('leaves out what a form cannot hold: objects, lists, and values longer than a text input', () => {
    const fields = formFields(
      schema({
        address: { type: 'object' },
        tags: { type: 'array' },
        description: { type: 'string' },
        name: { type: 'string' },
      }),
      { description: 'x'.repeat(3001), name: 'Acme' },
    );
    expect(fields).toEqual([{ name: 'name', label: 'Name', kind: 'text', required: false, value: 'Acme' }]);
  });

  it('pre-fills current values', () => {
    const [amount, done] = formFields(schema({ amount: { type: 'number' }, done: { type: 'boolean' } }), {
      amount: 12.5,
      done: true,
    });
    expect([amount?.value, done?.value]).toEqual([12.5, true]);
  });

  it('shows at most MAX_FORM_FIELDS of a 150-field schema, required ones kept though they come last, and counts the rest', () => {
    const names = Array.from({ length: 150 }, (_, i) => `field${i}`);
    const wide = schema(Object.fromEntries(names.map((name) => [name, { type: 'string' }])), ['field148', 'field149']);
    expect(formFields(wide)).toHaveLength(150);
    const { fields, hiddenFields } = shownFields(wide);
    expect(fields).toHaveLength(MAX_FORM_FIELDS);
    expect(fields.slice(0, 3).map((f) => f.name)).toEqual(['field148', 'field149', 'field0']);
    expect(hiddenFields).toBe(150 - MAX_FORM_FIELDS);
    expect(shownFields(schema({ name: { type: 'string' } })).hiddenFields).toBe(0);
  });
});

describe('fieldsFromValues: submitted values as record fields', () => {
  const fields = formFields(
    schema({
      meetsAt: { type: 'string', format: 'date-time' },
      dateStart: { type: 'string', pattern: ESPO_DATETIME_PATTERN },
      closeDate: { type: 'string', format: 'date' },
      probability: { type: 'integer' },
      amount: { type: 'number' },
      doNotCall: { type: 'boolean' },
      name: { type: 'string' },
      title: { type: 'string' },
    }),
  );
  // 2026-12-01 09:30:00 UTC, as a datetimepicker submits it.
  const epoch = Date.UTC(2026, 11, 1, 9, 30) / 1000;

  it("writes a date-time as the schema asks: ISO 8601, or EspoCRM's UTC text", () => {
    expect(fieldsFromValues(fields, { meetsAt: epoch, dateStart: epoch })).toEqual({
      meetsAt: '2026-12-01T09:30:00Z',
      dateStart: '2026-12-01 09:30:00',
    });
  });

  it('types numbers and keeps dates, checkboxes and text as they are', () => {
    expect(
      fieldsFromValues(fields, {
        probability: '40',
        amount: '1250.5',
        closeDate: '2026-12-24',
        doNotCall: false,
        name: 'Acme',
      }),
    ).toEqual({
      probability: 40,
      amount: 1250.5,
      closeDate: '2026-12-24',
      doNotCall: false,
      name: 'Acme',
    });
  });

  it('makes empty answers null and leaves out fields that were not submitted', () => {
    expect(fieldsFromValues(fields, { name: '', meetsAt: null })).toEqual({ name: null, meetsAt: null });
  });
});
