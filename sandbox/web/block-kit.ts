import type { GivenValue, Option } from '../../fakes/slack/elements.js';
import { append, h, type Child } from './dom.js';
import { emojify, formatSlackDate, parseMrkdwn, safeHref, type MrkdwnNode } from './mrkdwn.js';

/**
 * Block Kit as Slack draws it (docs.slack.dev/reference/block-kit/blocks and …/block-elements):
 * messages, modals and the Home tab. Interactive elements call back into the page, which sends
 * them to the workspace model; in a modal, input blocks only hold their values until submit.
 * Every piece of text becomes text nodes (dom.ts): nothing from a block is ever parsed as HTML.
 */
type El = Record<string, unknown>;

export interface BlockContext {
  /** Names of people and channels, for <@U…> and <#C…>. */
  people: Map<string, string>;
  channels: Map<string, string>;
  timeZone: string;
  now: () => Date;
  /** An element was used: a block_actions payload goes to the app. */
  act(blockId: string, actionId: string, value: GivenValue): Promise<void>;
  /** An external select's search: the app's options for what was typed. */
  suggest?(
    blockId: string,
    actionId: string,
    query: string,
  ): Promise<{ options?: Option[]; option_groups?: { label: El; options: Option[] }[] }>;
  /** A `confirm` object on an element: ask before acting. */
  confirm(dialog: El): Promise<boolean>;
  /** In a modal, input blocks hold values until the view is submitted. */
  inModal?: boolean;
  /** Field errors of a modal, by block_id. */
  errors?: Record<string, string>;
}

let labels = 0;
const textOf = (value: unknown): string => (value && typeof value === 'object' ? String((value as El).text ?? '') : '');

// ---- text ---------------------------------------------------------------------------------------

export function renderMrkdwn(text: string, ctx: BlockContext): HTMLElement {
  const root = h('span', { class: 'mrkdwn' });
  append(root, ...parseMrkdwn(text).map((node) => mrkdwnNode(node, ctx)));
  return root;
}

function mrkdwnNode(node: MrkdwnNode, ctx: BlockContext): Child {
  const children = (nodes: MrkdwnNode[]) => nodes.map((child) => mrkdwnNode(child, ctx));
  switch (node.t) {
    case 'text':
      return node.text;
    case 'bold':
      return h('b', {}, ...children(node.children));
    case 'italic':
      return h('i', {}, ...children(node.children));
    case 'strike':
      return h('s', {}, ...children(node.children));
    case 'code':
      return h('code', {}, node.text);
    case 'pre':
      return h('pre', {}, node.text);
    case 'quote':
      return h('blockquote', {}, ...children(node.children));
    case 'br':
      return h('br');
    case 'link': {
      const href = safeHref(node.url);
      // Only web and mail addresses open; anything else (javascript:, data:) stays text.
      return href
        ? h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }, node.label)
        : h('span', { class: 'unsafe-link' }, node.label);
    }
    case 'user':
      return h('span', { class: 'mention' }, `@${ctx.people.get(node.id) ?? node.label ?? node.id}`);
    case 'channel':
      return h('span', { class: 'mention' }, `#${ctx.channels.get(node.id) ?? node.label ?? node.id}`);
    case 'broadcast':
      return h('span', { class: 'mention broadcast' }, `@${node.name}`);
    case 'date': {
      const shown = formatSlackDate(node.seconds, node.format, ctx.now(), ctx.timeZone) || node.fallback;
      const href = node.link ? safeHref(node.link) : undefined;
      return href
        ? h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }, shown)
        : h('time', { attrs: { title: node.fallback } }, shown);
    }
    case 'emoji':
      return h('span', { class: 'emoji', attrs: { title: `:${node.name}:` } }, node.char);
  }
}

/** A text object: `mrkdwn` parsed, `plain_text` shown as it is (with :emoji: when `emoji` is not false). */
export function renderText(value: unknown, ctx: BlockContext): HTMLElement {
  const object = (value ?? {}) as El;
  if (object.type === 'mrkdwn') return renderMrkdwn(String(object.text ?? ''), ctx);
  const text = String(object.text ?? '');
  return h('span', { class: 'plain' }, object.emoji === false ? text : emojify(text));
}

// ---- inputs a modal reads back ----------------------------------------------------------------

interface InputIO {
  blockId: string;
  actionId: string;
  type: string;
  read(): GivenValue;
  write(value: GivenValue): void;
}
const inputs = new WeakMap<Element, InputIO>();

/** Every input's current value under `root`, by block_id and action_id (what a submission sends). */
export function readInputs(root: Element): Record<string, Record<string, GivenValue>> {
  const values: Record<string, Record<string, GivenValue>> = {};
  for (const element of root.querySelectorAll('.bk-input')) {
    const io = inputs.get(element);
    if (io) (values[io.blockId] ??= {})[io.actionId] = io.read();
  }
  return values;
}

/**
 * Puts values back after a view was replaced: "Data entered or selected in input blocks can be
 * preserved while updating views … with identical block_id and action_id values"
 * (docs.slack.dev/reference/views/modal-views).
 */
export function restoreInputs(
  root: Element,
  values: Record<string, Record<string, GivenValue>>,
  types: Map<string, string>,
): void {
  for (const element of root.querySelectorAll('.bk-input')) {
    const io = inputs.get(element);
    const key = `${io?.blockId}/${io?.actionId}`;
    if (io && values[io.blockId] && io.actionId in values[io.blockId]! && types.get(key) === io.type)
      io.write(values[io.blockId]![io.actionId]!);
  }
}

/** The element types of a rendered view's inputs, by `block/action`. */
export function inputTypes(root: Element): Map<string, string> {
  const types = new Map<string, string>();
  for (const element of root.querySelectorAll('.bk-input')) {
    const io = inputs.get(element);
    if (io) types.set(`${io.blockId}/${io.actionId}`, io.type);
  }
  return types;
}

// ---- blocks --------------------------------------------------------------------------------------

export function renderBlocks(blocks: unknown, ctx: BlockContext): HTMLElement {
  const root = h('div', { class: 'blocks' });
  for (const block of Array.isArray(blocks) ? (blocks as El[]) : []) root.appendChild(renderBlock(block, ctx));
  return root;
}

function renderBlock(block: El, ctx: BlockContext): HTMLElement {
  const blockId = String(block.block_id ?? '');
  switch (block.type) {
    case 'header':
      return h('div', { class: 'bk-header' }, renderText(block.text, ctx));
    case 'section': {
      const fields = Array.isArray(block.fields) ? (block.fields as El[]) : [];
      const accessory = block.accessory as El | undefined;
      return h(
        'div',
        { class: 'bk-section' },
        h(
          'div',
          { class: 'bk-section-main' },
          block.text ? h('div', { class: 'bk-section-text' }, renderText(block.text, ctx)) : null,
          fields.length
            ? h(
                'div',
                { class: 'bk-fields' },
                ...fields.map((field) => h('div', { class: 'bk-field' }, renderText(field, ctx))),
              )
            : null,
        ),
        accessory ? h('div', { class: 'bk-accessory' }, renderElement(accessory, blockId, ctx)) : null,
      );
    }
    case 'context':
      return h(
        'div',
        { class: 'bk-context' },
        ...((block.elements as El[] | undefined) ?? []).map((element) =>
          element.type === 'image' ? imagePlaceholder(element, 'small') : renderText(element, ctx),
        ),
      );
    case 'divider':
      return h('hr', { class: 'bk-divider' });
    case 'image':
      return h(
        'div',
        { class: 'bk-image' },
        block.title ? h('div', { class: 'bk-image-title' }, renderText(block.title, ctx)) : null,
        slackFileImage(block) ?? imagePlaceholder(block, 'large'),
      );
    case 'actions':
      return h(
        'div',
        { class: 'bk-actions' },
        ...((block.elements as El[] | undefined) ?? []).map((element) => renderElement(element, blockId, ctx)),
      );
    case 'input': {
      const error = ctx.errors?.[blockId];
      const labelId = `label-${++labels}`;
      const errorId = `error-${labels}`;
      const element = renderElement(block.element as El, blockId, {
        ...ctx,
        inModal: ctx.inModal && block.dispatch_action !== true,
      });
      // The label names the control, or the group of choices (each choice keeps its own name), and
      // the error describes it, as a screen reader expects.
      const grouped = element.matches('[role="group"], [role="radiogroup"]');
      for (const control of grouped
        ? [element]
        : [element, ...element.querySelectorAll('input, select, textarea')].filter((node) =>
            node.matches('input, select, textarea'),
          )) {
        control.setAttribute('aria-labelledby', labelId);
        control.setAttribute('aria-describedby', errorId);
      }
      return h(
        'div',
        { class: `bk-input-block${error ? ' has-error' : ''}`, attrs: { 'data-block-id': blockId } },
        h(
          'div',
          { class: 'bk-label-row' },
          h('label', { class: 'bk-label', attrs: { id: labelId } }, renderText(block.label, ctx)),
          block.optional === true ? h('span', { class: 'optional' }, '(optional)') : null,
        ),
        element,
        block.hint ? h('div', { class: 'bk-hint' }, renderText(block.hint, ctx)) : null,
        h('div', { class: 'bk-error', attrs: { role: 'alert', id: errorId } }, error ?? ''),
      );
    }
    case 'rich_text':
      return h('div', { class: 'bk-section' }, richText(block.elements));
    default:
      return h('div', { class: 'bk-unsupported' }, `[a ${String(block.type)} block: not drawn by the sandbox]`);
  }
}

/** rich_text: its sections' text, styled; lists and quotes as their text. */
function richText(elements: unknown): HTMLElement {
  const root = h('div', { class: 'rich-text' });
  const walk = (nodes: unknown, into: HTMLElement) => {
    for (const node of Array.isArray(nodes) ? (nodes as El[]) : []) {
      if (node.type === 'text') {
        const style = (node.style ?? {}) as El;
        let inner: HTMLElement = h('span', {}, String(node.text ?? ''));
        if (style.code) inner = h('code', {}, inner);
        if (style.bold) inner = h('b', {}, inner);
        if (style.italic) inner = h('i', {}, inner);
        if (style.strike) inner = h('s', {}, inner);
        into.appendChild(inner);
      } else if (node.type === 'link') {
        const href = safeHref(String(node.url ?? ''));
        into.appendChild(
          href
            ? h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }, String(node.text ?? node.url))
            : h('span', {}, String(node.text ?? node.url ?? '')),
        );
      } else if (Array.isArray(node.elements)) {
        const block = h('div', {});
        walk(node.elements, block);
        into.appendChild(block);
      }
    }
  };
  walk(elements, root);
  return root;
}

/** A file the bot uploaded to the fake Slack (a report's chart), served by the sandbox itself. */
function slackFileImage(block: El): HTMLElement | undefined {
  const id = (block.slack_file as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || !/^F\w+$/.test(id)) return undefined;
  return h('img', {
    class: 'bk-image-file',
    attrs: { src: `/api/files/${id}`, alt: String(block.alt_text ?? 'image') },
  });
}

/** The sandbox loads no images from elsewhere (nothing leaves the machine): their alt text instead. */
function imagePlaceholder(element: El, size: 'small' | 'large'): HTMLElement {
  const alt = String(element.alt_text ?? 'image');
  return h(
    'span',
    {
      class: `bk-img bk-img-${size}`,
      attrs: { title: `${alt} (images are not loaded in the sandbox)`, role: 'img', 'aria-label': alt },
    },
    size === 'large' ? `🖼 ${alt}` : '🖼',
  );
}

// ---- elements ------------------------------------------------------------------------------------

function renderElement(element: El, blockId: string, ctx: BlockContext): HTMLElement {
  const actionId = String(element.action_id ?? '');
  const holdsValue = Boolean(ctx.inModal);
  const act = async (value: GivenValue) => {
    if (element.confirm && !(await ctx.confirm(element.confirm as El))) return false;
    await ctx.act(blockId, actionId, value);
    return true;
  };
  const register = (node: HTMLElement, io: Omit<InputIO, 'blockId' | 'actionId' | 'type'>) => {
    node.classList.add('bk-input');
    inputs.set(node, { blockId, actionId, type: String(element.type), ...io });
    return node;
  };
  const placeholder = element.placeholder ? textOf(element.placeholder) : undefined;

  switch (element.type) {
    case 'button': {
      const url = typeof element.url === 'string' ? safeHref(element.url) : undefined;
      const button = h(
        'button',
        { class: `bk-button${element.style ? ` ${String(element.style)}` : ''}`, attrs: { type: 'button' } },
        renderText(element.text, ctx),
        url ? h('span', { class: 'external' }, ' ↗') : null,
      );
      button.addEventListener('click', () => {
        button.disabled = true;
        // A link button opens its page, and Slack still sends the app an interaction payload
        // (docs.slack.dev/reference/block-kit/block-elements/button-element, "url").
        void (async () => {
          if (element.confirm && !(await ctx.confirm(element.confirm as El))) return;
          if (url) window.open(url, '_blank', 'noopener,noreferrer');
          await ctx.act(blockId, actionId, null);
        })().finally(() => (button.disabled = false));
      });
      return button;
    }
    case 'static_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select': {
      const options = selectOptions(element, ctx);
      const select = h(
        'select',
        { class: 'bk-select', attrs: { 'aria-label': placeholder ?? 'Select' } },
        h('option', { attrs: { value: '' } }, placeholder ?? 'Select an item'),
      );
      for (const option of options)
        select.appendChild(
          option.group
            ? h('optgroup', { attrs: { label: option.group } })
            : h('option', { attrs: { value: option.value } }, option.text),
        );
      const initial = initialOf(element);
      if (typeof initial === 'string') select.value = initial;
      if (holdsValue)
        return register(select, {
          read: () => select.value || null,
          write: (value) => (select.value = typeof value === 'string' ? value : ''),
        });
      select.addEventListener('change', () => void act(select.value || null));
      return select;
    }
    case 'multi_static_select': {
      const select = h('select', {
        class: 'bk-select',
        attrs: { multiple: '', 'aria-label': placeholder ?? 'Select' },
      });
      for (const option of selectOptions(element, ctx))
        if (!option.group) select.appendChild(h('option', { attrs: { value: option.value } }, option.text));
      const chosen = () => [...select.selectedOptions].map((o) => o.value);
      if (holdsValue)
        return register(select, {
          read: chosen,
          write: (value) =>
            [...select.options].forEach((o) => (o.selected = Array.isArray(value) && value.includes(o.value))),
        });
      select.addEventListener('change', () => void act(chosen()));
      return select;
    }
    case 'external_select':
      return externalSelect(element, blockId, actionId, ctx, holdsValue ? register : undefined, act);
    case 'overflow':
      return overflow(element, ctx, act);
    case 'datepicker':
    case 'timepicker':
    case 'datetimepicker': {
      const kind = element.type === 'datepicker' ? 'date' : element.type === 'timepicker' ? 'time' : 'datetime-local';
      const input = h('input', {
        class: 'bk-picker',
        attrs: { type: kind, 'aria-label': placeholder ?? String(element.type) },
      });
      const toValue = (): GivenValue => {
        if (!input.value) return null;
        // A date and time picker answers epoch seconds; the page's clock is the person's here.
        return kind === 'datetime-local' ? Math.floor(new Date(input.value).getTime() / 1000) : input.value;
      };
      const write = (value: GivenValue) => {
        if (kind === 'datetime-local' && typeof value === 'number') {
          const local = new Date(value * 1000 - new Date(value * 1000).getTimezoneOffset() * 60_000);
          input.value = local.toISOString().slice(0, 16);
        } else input.value = typeof value === 'string' ? value : '';
      };
      write(initialOf(element));
      if (holdsValue) return register(input, { read: toValue, write });
      input.addEventListener('change', () => void act(toValue()));
      return input;
    }
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const multiline = element.type === 'plain_text_input' && element.multiline === true;
      const type = element.type === 'email_text_input' ? 'email' : element.type === 'url_text_input' ? 'url' : 'text';
      const field = multiline
        ? h('textarea', { class: 'bk-text', attrs: { rows: '4', placeholder } })
        : h('input', {
            class: 'bk-text',
            attrs: {
              type,
              placeholder,
              ...(element.type === 'number_input'
                ? { inputmode: element.is_decimal_allowed ? 'decimal' : 'numeric' }
                : {}),
            },
          });
      const initial = initialOf(element);
      field.value = initial === null ? '' : String(initial);
      return register(field, {
        read: () => field.value || null,
        write: (value) => (field.value = value === null ? '' : String(value)),
      });
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const multiple = element.type === 'checkboxes';
      const name = `${blockId}/${actionId}/${Math.random().toString(36).slice(2)}`;
      const boxes: HTMLInputElement[] = [];
      const group = h('div', { class: 'bk-choices', attrs: { role: multiple ? 'group' : 'radiogroup' } });
      for (const option of (element.options as Option[] | undefined) ?? []) {
        const box = h('input', { attrs: { type: multiple ? 'checkbox' : 'radio', name, value: option.value } });
        boxes.push(box);
        group.appendChild(
          h(
            'label',
            { class: 'bk-choice' },
            box,
            ' ',
            renderText(option.text, ctx),
            option.description ? h('div', { class: 'bk-hint' }, renderText(option.description, ctx)) : null,
          ),
        );
      }
      const read = (): GivenValue =>
        multiple ? boxes.filter((b) => b.checked).map((b) => b.value) : (boxes.find((b) => b.checked)?.value ?? null);
      const write = (value: GivenValue) =>
        boxes.forEach((b) => (b.checked = Array.isArray(value) ? value.includes(b.value) : value === b.value));
      write(initialOf(element));
      if (holdsValue) return register(group, { read, write });
      group.addEventListener('change', () => void act(read()));
      return group;
    }
    case 'image':
      return imagePlaceholder(element, 'small');
    default:
      return h('span', { class: 'bk-unsupported' }, `[a ${String(element.type)} element]`);
  }
}

/** What an element starts with, as the page holds values. */
function initialOf(element: El): GivenValue {
  if (element.initial_option) return (element.initial_option as Option).value;
  if (Array.isArray(element.initial_options)) return (element.initial_options as Option[]).map((o) => o.value);
  if (typeof element.initial_user === 'string') return element.initial_user;
  if (typeof element.initial_conversation === 'string') return element.initial_conversation;
  if (typeof element.initial_channel === 'string') return element.initial_channel;
  for (const name of ['initial_date', 'initial_time', 'initial_value'])
    if (typeof element[name] === 'string') return element[name] as string;
  if (typeof element.initial_date_time === 'number') return element.initial_date_time;
  if (typeof element.initial_value === 'number') return String(element.initial_value);
  return null;
}

/** A select's choices: its options (and groups), or the workspace's people or channels. */
function selectOptions(element: El, ctx: BlockContext): { value: string; text: string; group?: string }[] {
  if (element.type === 'users_select') return [...ctx.people].map(([value, text]) => ({ value, text }));
  if (element.type === 'conversations_select' || element.type === 'channels_select')
    return [...ctx.channels].map(([value, text]) => ({ value, text: `#${text}` }));
  const plain = (option: Option) => ({ value: option.value, text: emojify(textOf(option.text)) });
  const grouped = ((element.option_groups as { label: El; options: Option[] }[] | undefined) ?? []).flatMap((group) => [
    { value: '', text: '', group: textOf(group.label) },
    ...group.options.map(plain),
  ]);
  return [...((element.options as Option[] | undefined) ?? []).map(plain), ...grouped];
}

/** A ⋯ button with a menu of options; choosing one acts with its value. */
function overflow(element: El, ctx: BlockContext, act: (value: GivenValue) => Promise<boolean>): HTMLElement {
  const menu = h('div', { class: 'bk-menu', attrs: { role: 'menu', hidden: '' } });
  const button = h(
    'button',
    {
      class: 'bk-button bk-overflow',
      attrs: { type: 'button', 'aria-label': 'More options', 'aria-haspopup': 'menu' },
    },
    '⋯',
  );
  for (const option of (element.options as (Option & { url?: string })[] | undefined) ?? []) {
    const item = h(
      'button',
      { class: 'bk-menu-item', attrs: { type: 'button', role: 'menuitem' } },
      renderText(option.text, ctx),
    );
    item.addEventListener('click', () => {
      menu.hidden = true;
      const url = option.url ? safeHref(option.url) : undefined;
      if (url) window.open(url, '_blank', 'noopener,noreferrer');
      void act(option.value);
    });
    menu.appendChild(item);
  }
  button.addEventListener('click', () => (menu.hidden = !menu.hidden));
  return h('span', { class: 'bk-overflow-wrap' }, button, menu);
}

/**
 * An external select: as the person types, the app is asked for options (block_suggestion); the
 * chosen option is the value. Its options are the app's, so the whole option is kept.
 */
function externalSelect(
  element: El,
  blockId: string,
  actionId: string,
  ctx: BlockContext,
  register: ((node: HTMLElement, io: Omit<InputIO, 'blockId' | 'actionId' | 'type'>) => HTMLElement) | undefined,
  act: (value: GivenValue) => Promise<boolean>,
): HTMLElement {
  let chosen: Option | null = (element.initial_option as Option | undefined) ?? null;
  const search = h('input', {
    class: 'bk-text',
    attrs: {
      type: 'search',
      role: 'combobox',
      placeholder: element.placeholder ? textOf(element.placeholder) : 'Type to search',
      'aria-label': element.placeholder ? textOf(element.placeholder) : 'Search',
    },
  });
  const list = h('div', { class: 'bk-suggestions', attrs: { role: 'listbox', hidden: '' } });
  const shown = () => (search.value = chosen ? textOf(chosen.text) : '');
  shown();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const choose = (option: Option) => {
    chosen = option;
    shown();
    list.hidden = true;
    if (!register) void act(option);
  };
  search.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = search.value;
      const mine = ++asked;
      const answer = (await ctx.suggest?.(blockId, actionId, query)) ?? {};
      if (mine !== asked) return;
      list.replaceChildren();
      const item = (option: Option) => {
        const button = h(
          'button',
          { class: 'bk-menu-item', attrs: { type: 'button', role: 'option' } },
          emojify(textOf(option.text)),
        );
        button.addEventListener('mousedown', (event) => event.preventDefault());
        button.addEventListener('click', () => choose(option));
        return button;
      };
      for (const option of answer.options ?? []) list.appendChild(item(option));
      for (const group of answer.option_groups ?? []) {
        list.appendChild(h('div', { class: 'bk-menu-group' }, textOf(group.label)));
        for (const option of group.options) list.appendChild(item(option));
      }
      if (!list.childElementCount)
        list.appendChild(h('div', { class: 'bk-menu-empty' }, query ? 'No results' : 'Keep typing…'));
      list.hidden = false;
    }, 200);
  });
  search.addEventListener('blur', () => setTimeout(() => (list.hidden = true), 150));
  const wrap = h('div', { class: 'bk-external' }, search, list);
  if (!register) return wrap;
  return register(wrap, {
    read: () => chosen,
    write: (value) => {
      chosen = value && typeof value === 'object' && !Array.isArray(value) ? value : null;
      shown();
    },
  });
}
