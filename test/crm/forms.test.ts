import { describe, expect, it } from 'vitest';
import { ESPO_DATETIME_PATTERN } from '../../src/core/writes/forms.js';
import { writableFields } from '../../src/crm/espo/entities.js';
import { formSchemaFromAction, formSchemaFromDefinitions } from '../../src/crm/forms.js';
import { builtinEntityDefs } from '../../fakes/espocrm/defs.js';

describe('form schemas', () => {
  it("from EspoCRM's definitions: each field type as JSON Schema, no references, the required ones named", () => {
    const task = formSchemaFromDefinitions('Task')!;
    const properties = task.properties as Record<string, Record<string, unknown>>;
    expect(properties).toMatchObject({
      name: { type: 'string', maxLength: 255 },
      status: { type: 'string', enum: ['Not Started', 'Started', 'Completed', 'Canceled', 'Deferred'] },
      dateEnd: { type: 'string', pattern: ESPO_DATETIME_PATTERN },
      dateEndDate: { type: 'string', format: 'date' },
      description: { type: 'string', maxLength: 65_000 },
    });
    // Nobody types ids into a form: links (and the required assignedUserId) are left out.
    expect(Object.keys(properties)).not.toEqual(expect.arrayContaining(['parentType']));
    expect(Object.keys(properties).some((name) => name.endsWith('Id'))).toBe(false);
    expect(task.required).toEqual(['name']);

    const deal = formSchemaFromDefinitions('Opportunity')!.properties as Record<string, Record<string, unknown>>;
    expect(deal).toMatchObject({
      probability: { type: 'integer' },
      amount: { type: 'number' },
      closeDate: { type: 'string', format: 'date' },
    });
    expect(formSchemaFromDefinitions('Lead')!.properties).toMatchObject({
      emailAddress: { format: 'email' },
      website: { format: 'uri' },
      doNotCall: { type: 'boolean' },
    });
  });

  it("marks required exactly the fields EspoCRM's entityDefs do (a lead needs no last name)", () => {
    // The fake's entities.json is a copy of EspoCRM 10's entityDefs (Modules/Crm/Resources/metadata/entityDefs).
    const defs = builtinEntityDefs();
    for (const entity of ['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'Meeting', 'Call', 'Case', 'Document']) {
      // A link's id carries its field's mark: `assignedUserId` is required where `assignedUser` is (a task's).
      for (const field of writableFields(entity)!) {
        const def = defs[entity]!.fields[field.type === 'id' ? field.name.replace(/Id$/, '') : field.name];
        expect({ entity, field: field.name, required: Boolean(field.required) }).toEqual({
          entity,
          field: field.name,
          required: Boolean(def?.required),
        });
      }
    }
    expect(formSchemaFromDefinitions('Lead')!.required).toEqual([]);
  });

  it('has none for an entity it does not know', () => {
    expect(formSchemaFromDefinitions('CProject')).toBeUndefined();
  });

  it("from an action's input: its `fields`, or its flat properties without the id, keeping only required fields it shows", () => {
    const nested = formSchemaFromAction({
      type: 'object',
      properties: {
        id: { type: 'string' },
        fields: {
          type: 'object',
          properties: { name: { type: 'string' }, accountId: { type: 'string' } },
          required: ['name', 'accountId'],
        },
      },
      required: ['id'],
    });
    expect(nested).toEqual({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });

    const flat = formSchemaFromAction({
      type: 'object',
      properties: { id: { type: 'string' }, lastName: { type: 'string' } },
      required: ['id', 'lastName'],
    });
    expect(flat).toEqual({ type: 'object', properties: { lastName: { type: 'string' } }, required: ['lastName'] });

    expect(formSchemaFromAction({ type: 'object', properties: { id: { type: 'string' } } })).toBeUndefined();
    expect(formSchemaFromAction(undefined)).toBeUndefined();
  });
});
