import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fieldProblems, validateAgainstSchema } from '../../src/crm/validate.js';

/** A schema no other test compiles: the validator cache lives as long as the module. */
function taskSchema(tag: string): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      name: { type: 'string' },
      priority: { enum: ['Low', 'Normal', 'High', 'Urgent'] },
      tag: { const: tag },
    },
    required: ['name'],
  };
}

afterEach(() => vi.restoreAllMocks());

describe('validateAgainstSchema', () => {
  it('compiles an action’s schema once, however often and from whichever copy it is checked', () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const schema = taskSchema('once');
    expect(validateAgainstSchema(schema, { name: 'Call Bob' })).toBeUndefined();
    expect(validateAgainstSchema(schema, { priority: 'Super urgent' })).toBe(
      "input must have required property 'name'; priority must be equal to one of the allowed values (Low, Normal, High, Urgent)",
    );
    // The catalog is read again from the store on a later request: an equal schema, a new object.
    expect(validateAgainstSchema(structuredClone(schema), { name: 'Call Bob' })).toBeUndefined();
    expect(fieldProblems(schema, {})).toEqual([{ field: 'name', problem: 'Please fill this in.' }]);
    expect(compile).toHaveBeenCalledTimes(1);

    validateAgainstSchema(taskSchema('another action'), { name: 'Call Bob' });
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('lets an input through when ajv cannot compile the schema', () => {
    expect(
      validateAgainstSchema({ type: 'object', properties: { name: { $ref: '#/nowhere' } } }, { name: 1 }),
    ).toBeUndefined();
  });
});
