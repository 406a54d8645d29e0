import type { Form, FormField, SubmittedValue } from '../../core/writes/forms.js';
import { LIMITS, option, selectOptions } from './blocks.js';
import { escape, truncate, botText } from './mrkdwn.js';

/**
 * Modals: a record form drawn from core's form fields, the values read back from a submission,
 * and the small views shown while loading or when a form cannot be shown. Slack's limits are
 * kept here (title and buttons 24 characters, labels and hints 2,000) and in blocks.ts (blocks, options).
 */
export const FORM_CALLBACK_ID = 'espo_form';
/** Every input's action_id; fields are told apart by block_id. */
const VALUE = 'v';

type View = Record<string, unknown>;
const plain = (text: string, max: number) => ({ type: 'plain_text', text: truncate(text, max) || ' ', emoji: true });

export function modal(
  title: string,
  blocks: unknown[],
  options: { callbackId?: string; submit?: string; close?: string; metadata?: string } = {},
): View {
  return {
    type: 'modal',
    ...(options.callbackId ? { callback_id: options.callbackId } : {}),
    title: plain(title, 24),
    ...(options.submit ? { submit: plain(options.submit, 24) } : {}),
    close: plain(options.close ?? 'Close', 24),
    ...(options.metadata ? { private_metadata: options.metadata } : {}),
    blocks: blocks.slice(0, LIMITS.viewBlocks),
  };
}

/** A text-only view: "Loading…", or why a form cannot be shown (with a link to act on, if any). */
export function noticeView(title: string, text: string, link?: { url: string; text: string }): View {
  // Error messages can quote EspoCRM or Membrane; only the viewer sees a modal, but a link could still be spoofed.
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(botText(text), 3000) } }];
  if (link)
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'espo_open_link', text: plain(link.text, 75), url: link.url, style: 'primary' },
      ],
    });
  return modal(title, blocks);
}

export function formTitle(form: Pick<Form, 'operation' | 'entity'>): string {
  return `${form.operation === 'create' ? 'New' : 'Edit'} ${form.entity.label}`;
}

const blockId = (field: string) => `f_${field}`;

function elementFor(field: FormField): Record<string, unknown> {
  const value = field.value;
  const text = value === undefined ? {} : { initial_value: String(value) };
  switch (field.kind) {
    case 'multiline':
      return { type: 'plain_text_input', action_id: VALUE, multiline: true, ...text };
    case 'select': {
      const options = selectOptions(field.options ?? []);
      // A choice Slack cannot offer in full as a menu is typed instead; the schema check still holds it to the options.
      if (!options) return { type: 'plain_text_input', action_id: VALUE, ...text };
      const initial = options.find((o) => o.value === value);
      return { type: 'static_select', action_id: VALUE, options, ...(initial ? { initial_option: initial } : {}) };
    }
    case 'checkbox': {
      const yes = option('true', 'Yes');
      return {
        type: 'checkboxes',
        action_id: VALUE,
        options: [yes],
        ...(value === true ? { initial_options: [yes] } : {}),
      };
    }
    case 'number':
    case 'integer':
      return { type: 'number_input', action_id: VALUE, is_decimal_allowed: field.kind === 'number', ...text };
    case 'date':
      return {
        type: 'datepicker',
        action_id: VALUE,
        ...(typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? { initial_date: value.slice(0, 10) } : {}),
      };
    case 'datetime': {
      // EspoCRM's `YYYY-MM-DD HH:mm:ss` is UTC, whichever format the schema writes back.
      const when =
        typeof value === 'string'
          ? Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? `${value.replace(' ', 'T')}Z` : value)
          : NaN;
      return {
        type: 'datetimepicker',
        action_id: VALUE,
        ...(Number.isFinite(when) ? { initial_date_time: Math.floor(when / 1000) } : {}),
      };
    }
    case 'email':
      return { type: 'email_text_input', action_id: VALUE, ...text };
    case 'url':
      return { type: 'url_text_input', action_id: VALUE, ...text };
    default:
      return { type: 'plain_text_input', action_id: VALUE, ...text };
  }
}

export function formView(form: Form, metadata: string): View {
  const blocks = form.fields.map((field) => {
    const element = elementFor(field);
    const typedChoice = field.kind === 'select' && element.type !== 'static_select';
    return {
      type: 'input',
      block_id: blockId(field.name),
      // A checkbox left empty is an answer ("no"), so it can never be required.
      optional: !field.required || field.kind === 'checkbox',
      label: plain(field.label, 2000),
      ...(typedChoice ? { hint: plain(`One of: ${(field.options ?? []).join(', ')}`, 2000) } : {}),
      element,
    };
  });
  const note = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] });
  const intro =
    form.operation === 'update'
      ? [note(`Editing *${escape(form.recordName ?? form.id ?? '')}*. Only the fields you change are sent.`)]
      : form.assignee
        ? [note('*Assigned to:* you')]
        : [];
  const command = `/espo ${form.operation} ${form.entity.label.toLowerCase()}${form.id ? ` ${form.id}` : ''} field=value …`;
  const hidden = form.hiddenFields
    ? [
        note(
          `${form.hiddenFields} more field${form.hiddenFields === 1 ? ' does' : 's do'} not fit in this form; set ${form.hiddenFields === 1 ? 'it' : 'them'} with \`${escape(command)}\`.`,
        ),
      ]
    : [];
  return modal(formTitle(form), [...intro, ...blocks, ...hidden], {
    callbackId: FORM_CALLBACK_ID,
    submit: form.operation === 'create' ? 'Create' : 'Save',
    close: 'Cancel',
    metadata,
  });
}

/** Slack names an input's value one way in a submission and another where the form set it. */
const SUBMITTED = {
  option: 'selected_option',
  options: 'selected_options',
  date: 'selected_date',
  dateTime: 'selected_date_time',
  text: 'value',
} as const;
const INITIAL = {
  option: 'initial_option',
  options: 'initial_options',
  date: 'initial_date',
  dateTime: 'initial_date_time',
  text: 'initial_value',
} as const;
type ValueNames = typeof SUBMITTED | typeof INITIAL;
type Element = { type?: string } & Record<string, unknown>;

function valueOf(element: Element, names: ValueNames): SubmittedValue {
  switch (element.type) {
    case 'static_select':
    case 'external_select':
      return (element[names.option] as { value?: string } | null | undefined)?.value ?? null;
    case 'checkboxes':
      return ((element[names.options] as unknown[] | undefined) ?? []).length > 0;
    case 'datepicker':
      return (element[names.date] as string | null | undefined) ?? null;
    case 'datetimepicker':
      return (element[names.dateTime] as number | null | undefined) ?? null;
    default:
      return (element[names.text] as string | null | undefined) ?? null;
  }
}

/** The submitted values of a form view, by field name, as core expects them. */
export function readFormValues(
  state: Record<string, Record<string, Element>> | undefined,
): Record<string, SubmittedValue> {
  const values: Record<string, SubmittedValue> = {};
  for (const [id, actions] of Object.entries(state ?? {})) {
    const input = actions[VALUE] ?? actions[RELATED_ACTION_ID];
    if (id.startsWith('f_') && input) values[id.slice(2)] = valueOf(input, SUBMITTED);
  }
  return values;
}

/** What a submitted form showed when it opened, by field name, in the same shape as its values. */
export function readShownValues(view: {
  blocks?: { block_id?: string; element?: Element }[];
}): Record<string, SubmittedValue> {
  const shown: Record<string, SubmittedValue> = {};
  for (const block of view.blocks ?? []) {
    if (block.block_id?.startsWith('f_') && block.element)
      shown[block.block_id.slice(2)] = valueOf(block.element, INITIAL);
  }
  return shown;
}

/**
 * Field errors as Slack's `response_action: errors` wants them: by block. A problem with a field the
 * form does not show goes to the first field, so it is still seen.
 */
export function fieldErrors(
  errors: { field: string; problem: string }[],
  view: { blocks?: { block_id?: string }[] },
): Record<string, string> {
  const names = (view.blocks ?? []).flatMap((block) =>
    block.block_id?.startsWith('f_') ? [block.block_id.slice(2)] : [],
  );
  const shown = new Set(names);
  const first = names[0];
  const result: Record<string, string> = {};
  for (const { field, problem } of errors) {
    const target = shown.has(field) ? field : first;
    if (!target) continue;
    const text = shown.has(field) ? problem : `${field}: ${problem}`;
    result[blockId(target)] = truncate(result[blockId(target)] ? `${result[blockId(target)]} ${text}` : text, 150);
  }
  return result;
}

export const LOG_CALLBACK_ID = 'espo_log';
/** The external select that searches records as the person types. */
export const RELATED_ACTION_ID = 'espo_related';

/** "Log to EspoCRM": what to save the message as, its subject and text, and the record it is about. */
export function logMessageView(options: {
  kinds: readonly string[];
  subject: string;
  body: string;
  metadata: string;
}): View {
  const kinds = options.kinds.map((kind) => option(kind));
  return modal(
    'Log to EspoCRM',
    [
      {
        type: 'input',
        block_id: 'f_related',
        optional: true,
        label: plain('About', 2000),
        hint: plain('A note needs a record; tasks and calls may stand alone.', 2000),
        element: {
          type: 'external_select',
          action_id: RELATED_ACTION_ID,
          min_query_length: 2,
          placeholder: plain('Search accounts, contacts, leads, deals', 150),
        },
      },
      {
        type: 'input',
        block_id: 'f_kind',
        label: plain('Save as', 2000),
        element: { type: 'static_select', action_id: VALUE, options: kinds, initial_option: kinds[0] },
      },
      {
        type: 'input',
        block_id: 'f_subject',
        label: plain('Subject', 2000),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          max_length: 255,
          initial_value: truncate(options.subject, 255),
        },
      },
      {
        type: 'input',
        block_id: 'f_body',
        label: plain('Text', 2000),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          multiline: true,
          max_length: 3000,
          initial_value: truncate(options.body, 3000),
        },
      },
    ],
    { callbackId: LOG_CALLBACK_ID, submit: 'Save', close: 'Cancel', metadata: options.metadata },
  );
}

export const SEARCH_CALLBACK_ID = 'espo_search';

/** App Home's Search: which kind of record, and the words to look for. */
export function searchView(entities: { name: string; plural: string }[]): View {
  const kinds = entities.map((entity) => option(entity.name, entity.plural));
  return modal(
    'Search EspoCRM',
    [
      {
        type: 'input',
        block_id: 'f_entity',
        label: plain('Look in', 2000),
        element: { type: 'static_select', action_id: VALUE, options: kinds, initial_option: kinds[0] },
      },
      {
        type: 'input',
        block_id: 'f_text',
        label: plain('For', 2000),
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          min_length: 2,
          max_length: 200,
          placeholder: plain('A name, email or phone', 150),
        },
      },
    ],
    { callbackId: SEARCH_CALLBACK_ID, submit: 'Search', close: 'Cancel' },
  );
}
