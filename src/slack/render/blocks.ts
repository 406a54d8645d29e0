import type { types } from '@slack/bolt';
import { escape, truncate } from './mrkdwn.js';
import { withCommandsPlain } from '../command-name.js';

/**
 * Block Kit builders that enforce Slack's limits in one place, so no renderer can produce
 * `invalid_blocks`: text lengths are cut visibly and a message never exceeds 50 blocks.
 */
export type AnyBlock = types.KnownBlock | types.Block;

export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  contextElements: 10,
  /** Modals and the Home tab. */
  viewBlocks: 100,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
} as const;

export interface Message {
  text: string;
  blocks: AnyBlock[];
}

export const header = (text: string): AnyBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, LIMITS.header) || ' ', emoji: true },
});

export const section = (mrkdwn: string, accessory?: Record<string, unknown>): AnyBlock =>
  ({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.sectionText) || ' ' },
    ...(accessory ? { accessory } : {}),
  }) as AnyBlock;

export const fieldsSection = (fields: string[]): AnyBlock => ({
  type: 'section',
  fields: fields
    .slice(0, LIMITS.fields)
    .map((text) => ({ type: 'mrkdwn', text: truncate(text, LIMITS.fieldText) || ' ' })),
});

/** Field lines in as many sections as it takes: a preview must never drop a field silently. */
export const fieldsSections = (fields: string[]): AnyBlock[] =>
  Array.from({ length: Math.ceil(fields.length / LIMITS.fields) }, (_, i) =>
    fieldsSection(fields.slice(i * LIMITS.fields, (i + 1) * LIMITS.fields)),
  );

export const context = (...texts: string[]): AnyBlock => ({
  type: 'context',
  elements: texts
    .slice(0, LIMITS.contextElements)
    .map((text) => ({ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) || ' ' })),
});

export const divider = (): AnyBlock => ({ type: 'divider' });

export interface ButtonOptions {
  actionId: string;
  text: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

/** A button, or undefined when its value would not fit (the caller simply leaves it out). */
export function button({ actionId, text, value, url, style }: ButtonOptions): Record<string, unknown> | undefined {
  if (value !== undefined && value.length > LIMITS.buttonValue) return undefined;
  if (url !== undefined && (url.length > LIMITS.buttonUrl || !/^https?:\/\//i.test(url))) return undefined;
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: true },
    ...(value !== undefined ? { value } : {}),
    ...(url ? { url } : {}),
    ...(style ? { style } : {}),
  };
}

/** An option of a select or checkbox group: its text cut to fit, its value whole. */
export const option = (value: string, text = value) => ({
  text: { type: 'plain_text', text: truncate(text, LIMITS.optionText) || ' ', emoji: true },
  value,
});

/**
 * A static select's options, or undefined when Slack could not offer every value: none, too many,
 * a value too long, or two that read the same once their text is cut.
 */
export function selectOptions(values: readonly string[]): ReturnType<typeof option>[] | undefined {
  if (
    !values.length ||
    values.length > LIMITS.selectOptions ||
    values.some((value) => value.length > LIMITS.optionValue)
  )
    return undefined;
  const options = values.map((value) => option(value));
  return new Set(options.map((o) => o.text.text)).size === options.length ? options : undefined;
}

export function actions(blockId: string, ...elements: (Record<string, unknown> | undefined)[]): AnyBlock | undefined {
  const present = elements.filter((element): element is Record<string, unknown> => element !== undefined);
  return present.length ? ({ type: 'actions', block_id: blockId, elements: present } as AnyBlock) : undefined;
}

/**
 * Assembles a message: drops empty slots, keeps the trailing action row when cutting to 50 blocks.
 * `text` is the plain fallback (notifications, screen readers); Slack parses it as mrkdwn too, so it is escaped here.
 */
export function message(text: string, blocks: (AnyBlock | undefined)[]): Message {
  let present = blocks.filter((block): block is AnyBlock => block !== undefined);
  if (present.length > LIMITS.blocksPerMessage) {
    const last = present[present.length - 1]!;
    const keepLast = last.type === 'actions';
    const room = LIMITS.blocksPerMessage - (keepLast ? 2 : 1);
    present = [
      ...present.slice(0, room),
      context('_…more than fits in one Slack message; narrow it down to see the rest._'),
      ...(keepLast ? [last] : []),
    ];
  }
  return { text: truncate(withCommandsPlain(escape(text)), 3000), blocks: present };
}
