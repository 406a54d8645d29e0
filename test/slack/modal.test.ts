import { describe, expect, it } from 'vitest';
import { fieldsFromValues, formFields, shownFields, type Form } from '../../src/core/writes/forms.js';
import { EspoEntityDirectory } from '../../src/crm/espo/entities.js';
import { formSchemaFromDefinitions } from '../../src/crm/forms.js';
import { formView, readFormValues, readShownValues } from '../../src/slack/render/modal.js';

type Block = {
  type: string;
  block_id?: string;
  optional?: boolean;
  label?: { text: string };
  hint?: { text: string };
  element?: Record<string, unknown>;
  elements?: { text: string }[];
};
type Option = { text: { text: string }; value: string };

const entities = new EspoEntityDirectory();
const schema = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

function viewOf(
  formSchema: Record<string, unknown>,
  options: { values?: Record<string, unknown>; entity?: string; id?: string } = {},
) {
  const form: Form = {
    operation: options.id ? 'update' : 'create',
    entity: entities.resolve(options.entity ?? 'Lead'),
    ...(options.id ? { id: options.id, recordName: 'Acme' } : {}),
    ...shownFields(formSchema, options.values),
  };
  return formView(form, '{}') as { blocks: Block[] };
}

const input = (view: { blocks: Block[] }, name: string) => view.blocks.find((block) => block.block_id === `f_${name}`)!;

describe('record forms drawn as a modal', () => {
  it("draws dates as date pickers and date-times as date-time pickers, pre-filled from EspoCRM's UTC text", () => {
    const view = viewOf(formSchemaFromDefinitions('Task')!, {
      values: { dateEnd: '2026-12-01 09:30:00', dateEndDate: '2026-12-24' },
      entity: 'Task',
      id: 't1',
    });
    expect(input(view, 'dateEnd').element).toMatchObject({
      type: 'datetimepicker',
      initial_date_time: Date.UTC(2026, 11, 1, 9, 30) / 1000,
    });
    expect(input(view, 'dateEndDate').element).toMatchObject({ type: 'datepicker', initial_date: '2026-12-24' });
  });

  it('writes a picked date-time back as the schema wants it', () => {
    const fields = formFields(formSchemaFromDefinitions('Task')!);
    const picked = readFormValues({
      f_dateEnd: { v: { type: 'datetimepicker', selected_date_time: Date.UTC(2026, 11, 1, 9, 30) / 1000 } },
    });
    expect(fieldsFromValues(fields, picked)).toEqual({ dateEnd: '2026-12-01 09:30:00' });
  });

  it('asks for whole numbers without decimals and amounts with them', () => {
    const view = viewOf(formSchemaFromDefinitions('Opportunity')!, { entity: 'Opportunity' });
    expect(input(view, 'probability').element).toMatchObject({ type: 'number_input', is_decimal_allowed: false });
    expect(input(view, 'amount').element).toMatchObject({ type: 'number_input', is_decimal_allowed: true });
  });

  it('marks required fields and shows them first; a checkbox is never required', () => {
    const view = viewOf(formSchemaFromDefinitions('Opportunity')!, { entity: 'Opportunity' });
    const inputs = view.blocks.filter((block) => block.type === 'input');
    expect(inputs.slice(0, 3).map((block) => [block.block_id, block.optional])).toEqual([
      ['f_name', false],
      ['f_amount', false],
      ['f_closeDate', false],
    ]);
    expect(inputs.slice(3).every((block) => block.optional)).toBe(true);
    const agreed = viewOf(schema({ agreed: { type: 'boolean' } }, ['agreed']));
    expect(input(agreed, 'agreed')).toMatchObject({ optional: true, element: { type: 'checkboxes' } });
  });

  it('cuts option text to 75 characters and keeps the value whole', () => {
    const long = `${'Enterprise '.repeat(8)}plan`;
    const view = viewOf(schema({ plan: { type: 'string', enum: [long, 'Basic'] } }));
    const [first] = input(view, 'plan').element!.options as Option[];
    expect(first!.text.text.length).toBeLessThanOrEqual(75);
    expect(first!.value).toBe(long);
  });

  it('keeps labels within 2,000 characters', () => {
    const view = viewOf(schema({ [`a${'B'.repeat(2100)}`]: { type: 'string' } }));
    expect(view.blocks[0]!.label!.text.length).toBeLessThanOrEqual(2000);
  });

  it('asks for a choice Slack cannot show in full as a menu as text, naming the options', () => {
    const many = Array.from({ length: 101 }, (_, i) => `Option ${i}`);
    const view = viewOf(
      schema({
        tooLong: { type: 'string', enum: ['x'.repeat(151)] },
        partlyTooLong: { type: 'string', enum: ['Short', 'y'.repeat(151)] },
        tooMany: { type: 'string', enum: many },
        lookAlike: { type: 'string', enum: [`${'z'.repeat(80)}1`, `${'z'.repeat(80)}2`] },
        fine: { type: 'string', enum: ['New', 'Assigned'] },
      }),
      { values: { partlyTooLong: 'Short' } },
    );
    for (const name of ['tooLong', 'partlyTooLong', 'tooMany', 'lookAlike'])
      expect(input(view, name).element).toMatchObject({ type: 'plain_text_input' });
    expect(input(view, 'partlyTooLong').element).toMatchObject({ initial_value: 'Short' });
    expect(input(view, 'tooMany').hint!.text).toMatch(/^One of: Option 0, Option 1, /);
    expect(input(view, 'fine').element).toMatchObject({
      type: 'static_select',
      options: [{ value: 'New' }, { value: 'Assigned' }],
    });
    expect(input(view, 'fine').hint).toBeUndefined();
  });

  it('reads a typed choice back like a picked one', () => {
    const fields = formFields(
      schema({ tooMany: { type: 'string', enum: Array.from({ length: 101 }, (_, i) => `Option ${i}`) } }),
    );
    expect(
      fieldsFromValues(fields, readFormValues({ f_tooMany: { v: { type: 'plain_text_input', value: 'Option 7' } } })),
    ).toEqual({ tooMany: 'Option 7' });
  });

  it('keeps a 150-field schema within 100 blocks, says how to set the rest, and reads back what it showed', () => {
    const properties = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`field${i}`, { type: 'string' }]));
    const view = viewOf(schema(properties, ['field149']), { id: 'abc123', values: { field149: 'kept' } });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.blocks.filter((block) => block.type === 'input')[0]).toMatchObject({
      block_id: 'f_field149',
      optional: false,
    });
    expect(view.blocks.at(-1)).toMatchObject({
      type: 'context',
      elements: [{ text: expect.stringContaining('60 more fields do not fit in this form') }],
    });
    expect(view.blocks.at(-1)!.elements![0]!.text).toContain('`/espo update lead abc123 field=value …`');
    expect(readShownValues(view as never)).toMatchObject({ field149: 'kept', field0: null });
  });
});
