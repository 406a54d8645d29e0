import type { Filter } from './ports.js';

/**
 * How text meant for a person names one of the bot's commands: by the words after the slash
 * command (`commandText('connect')`, `commandText('find user <name>')`; no words: the command
 * itself). The Slack layer shows it the way Slack users type it, under the name the command is
 * registered with (`/espo connect`), so no layer below slack/ spells the slash command or its markup.
 */
export function commandText(words = ''): string {
  return `${COMMAND_OPEN}${words}${COMMAND_CLOSE}`;
}

/** The brackets around a command's words in text; characters people do not type in a request. */
export const COMMAND_OPEN = '⟦';
export const COMMAND_CLOSE = '⟧';

const FILTER_SYMBOLS: Record<Filter['op'], string> = {
  equals: '=',
  notEquals: '≠',
  greaterThan: '>',
  lessThan: '<',
  greaterThanOrEquals: '≥',
  lessThanOrEquals: '≤',
  contains: 'contains',
  in: 'in',
  notIn: 'not in',
  isNull: 'is empty',
  isNotNull: 'is not empty',
};

/** "status = New", "closeDate ≥ 2026-10-01", "phone is empty": a condition as people read it. */
export function filterText({ field, op, value }: Filter): string {
  // "is empty" says all of it.
  if (op === 'isNull' || op === 'isNotNull') return `${field} ${FILTER_SYMBOLS[op]}`;
  return `${field} ${FILTER_SYMBOLS[op]} ${Array.isArray(value) ? value.join(', ') : String(value)}`;
}
