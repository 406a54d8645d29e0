/**
 * What Slack's client does with the interactive elements of a message or view before the app sees
 * anything: ids for blocks and elements the app left unnamed, the `action` object and the
 * `state.values` entry an element's current value becomes, and the checks an input block makes
 * before a modal may be submitted. Pure functions; the workspace model (workspace.ts) uses them.
 */
type Node = Record<string, unknown>;

export interface Option {
  text: { type: string; text: string; emoji?: boolean };
  value: string;
  description?: unknown;
}

/**
 * A value a person gave an element: text (inputs, a chosen option's value, a date `YYYY-MM-DD`, a
 * time `HH:mm`), several option values (checkboxes), epoch seconds (datetimepicker), or the option
 * an external select's search offered (its options are the app's, not the view's).
 */
export type GivenValue = string | string[] | number | Option | null;

let generated = 0;
/** Slack's own ids look like `Ab1Cd`; these only need to be unique and stable once assigned. */
const newId = () => `gen${(++generated).toString(36)}`;

/**
 * Blocks as Slack stores them: "If not specified, a block_id will be generated" (every block's
 * `block_id`, docs.slack.dev/reference/block-kit/blocks) and likewise an element's `action_id`
 * (docs.slack.dev/reference/block-kit/block-elements). The app gets these ids back in payloads.
 */
export function withIds(blocks: unknown): Node[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  return blocks.map((raw) => {
    const block = { ...(raw as Node) };
    block.block_id ??= newId();
    const name = (element: unknown) =>
      element && typeof element === 'object' && 'type' in element
        ? { action_id: newId(), ...(element as Node) }
        : element;
    if (block.accessory) block.accessory = name(block.accessory);
    if (block.element) block.element = name(block.element);
    if (Array.isArray(block.elements) && block.type === 'actions') block.elements = block.elements.map(name);
    return block;
  });
}

/** The element with this block and action id: a section's accessory, an actions block's element, an input's element. */
export function findElement(blocks: Node[] | undefined, blockId: string, actionId: string): Node | undefined {
  const block = blocks?.find((b) => b.block_id === blockId);
  if (!block) return undefined;
  const candidates = [
    block.accessory,
    block.element,
    ...(block.type === 'actions' && Array.isArray(block.elements) ? block.elements : []),
  ];
  return candidates.find((element): element is Node => Boolean(element) && (element as Node).action_id === actionId);
}

const optionsOf = (element: Node): Option[] => {
  const direct = Array.isArray(element.options) ? (element.options as Option[]) : [];
  const grouped = Array.isArray(element.option_groups)
    ? (element.option_groups as { options?: Option[] }[]).flatMap((g) => g.options ?? [])
    : [];
  return [...direct, ...grouped];
};

function chosenOption(element: Node, given: GivenValue): Option | null {
  if (given === null || given === '') return null;
  // An external select's options come from the app's block_suggestion answer.
  if (typeof given === 'object' && !Array.isArray(given)) return given;
  return optionsOf(element).find((option) => option.value === String(given)) ?? null;
}

/**
 * The `state.values[block_id][action_id]` entry for an element holding `given`, as Slack reports it
 * in view_submission and block_actions payloads (docs.slack.dev/reference/interaction-payloads/
 * view-interactions-payload: "state … values … keyed by block_id and action_id"; the value's name
 * per element type from the element references: `value`, `selected_option`, `selected_options`,
 * `selected_date`, `selected_time`, `selected_date_time`).
 */
export function stateValue(element: Node, given: GivenValue): Node {
  const type = String(element.type);
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
    case 'overflow':
      return { type, selected_option: chosenOption(element, given) };
    case 'checkboxes': {
      const values = Array.isArray(given) ? given : [];
      return { type, selected_options: optionsOf(element).filter((option) => values.includes(option.value)) };
    }
    case 'datepicker':
      return { type, selected_date: typeof given === 'string' && given ? given : null };
    case 'timepicker':
      return { type, selected_time: typeof given === 'string' && given ? given : null };
    case 'datetimepicker':
      return { type, selected_date_time: typeof given === 'number' && Number.isFinite(given) ? given : null };
    default: {
      // plain_text_input, number_input, email_text_input, url_text_input: the typed text, or null when empty.
      const text = given === null ? '' : String(given);
      return { type, value: text === '' ? null : text };
    }
  }
}

/** What an element shows before the person touches it (its `initial_*`), as a given value. */
export function initialValue(element: Node): GivenValue {
  if (element.initial_option)
    return element.type === 'external_select'
      ? (element.initial_option as Option)
      : (element.initial_option as Option).value;
  if (Array.isArray(element.initial_options))
    return (element.initial_options as Option[]).map((option) => option.value);
  if (typeof element.initial_date === 'string') return element.initial_date;
  if (typeof element.initial_time === 'string') return element.initial_time;
  if (typeof element.initial_date_time === 'number') return element.initial_date_time;
  if (typeof element.initial_value === 'string') return element.initial_value;
  return null;
}

/**
 * The `actions[0]` of a block_actions payload for an element that was used
 * (docs.slack.dev/reference/interaction-payloads/block_actions-payload): the element's ids and
 * type, and what was chosen (a button's text and value; a select's `selected_option`; a picker's
 * date or time).
 */
export function actionOf(element: Node, blockId: string, given: GivenValue, actionTs: string): Node {
  const base = { type: element.type, action_id: element.action_id, block_id: blockId, action_ts: actionTs };
  if (element.type === 'button') {
    return {
      ...base,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style ? { style: element.style } : {}),
    };
  }
  const { type: _type, ...chosen } = stateValue(element, given);
  return { ...base, ...chosen };
}

/** Whether a state value holds nothing (an input left empty). */
function isEmpty(entry: Node): boolean {
  const values = Object.entries(entry)
    .filter(([key]) => key !== 'type')
    .map(([, value]) => value);
  return values.every(
    (value) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0),
  );
}

/**
 * The checks Slack's client makes before it sends a view_submission, so the app never sees these
 * submissions: an input block is required unless `optional: true` ("A boolean that indicates
 * whether the input element may be empty when a user submits the modal. Defaults to false.",
 * docs.slack.dev/reference/block-kit/blocks/input-block); plain-text inputs keep `min_length` /
 * `max_length` and number inputs `is_decimal_allowed`, `min_value` and `max_value` ("If the user
 * provides …, they will receive an error", the plain-text and number input element references).
 * The wording of the messages is the sandbox's own. Errors are keyed by block_id, as Slack shows them.
 */
export function inputProblems(
  blocks: Node[] | undefined,
  values: Record<string, Record<string, Node>>,
): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const block of blocks ?? []) {
    if (block.type !== 'input' || !block.element) continue;
    const element = block.element as Node;
    const blockId = String(block.block_id);
    const entry = values[blockId]?.[String(element.action_id)] ?? { type: element.type };
    if (isEmpty(entry)) {
      if (block.optional !== true) problems[blockId] = 'Please complete this required field.';
      continue;
    }
    const text = typeof entry.value === 'string' ? entry.value : undefined;
    if (text === undefined) continue;
    if (element.type === 'plain_text_input') {
      if (typeof element.min_length === 'number' && text.length < element.min_length)
        problems[blockId] = `Please enter at least ${element.min_length} characters.`;
      if (typeof element.max_length === 'number' && text.length > element.max_length)
        problems[blockId] = `Please enter at most ${element.max_length} characters.`;
    }
    if (element.type === 'number_input') {
      const number = Number(text);
      if (!/^-?\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(number))
        problems[blockId] = 'Please enter a number.';
      else if (element.is_decimal_allowed !== true && !Number.isInteger(number))
        problems[blockId] = 'Please enter a whole number.';
      else if (element.min_value !== undefined && number < Number(element.min_value))
        problems[blockId] = `Please enter a number of at least ${String(element.min_value)}.`;
      else if (element.max_value !== undefined && number > Number(element.max_value))
        problems[blockId] = `Please enter a number of at most ${String(element.max_value)}.`;
    }
  }
  return problems;
}
