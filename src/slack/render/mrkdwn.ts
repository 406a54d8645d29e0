import { withCommands } from '../command-name.js';

/**
 * Slack mrkdwn safety. Every string that came from the CRM or from a person goes through `escape`
 * before it is put into a message: `<`, `>` and `&` are the only characters Slack treats as
 * control syntax, so escaping them stops `<!channel>` pings, `<@U123>` mentions and spoofed
 * `<https://evil|innocent>` links, while keeping the text readable.
 */
export function escape(text: unknown): string {
  return plain(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The bot's own words, from core (an error's `userMessage`, a notice): escaped like any text, and
 * the commands they name (`commandText`) written as Slack users type them.
 */
export function botText(text: string): string {
  return withCommands(escape(text));
}

/** Any value as text: objects as JSON (even prototype-less ones, which `String` cannot convert). */
function plain(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unreadable value]';
  }
}

/**
 * The inverse, for text Slack sends us: slash command text arrives with `&`, `<`, `>` escaped, so
 * `amount&gt;10k` must become `amount>10k` before the grammar sees it. `&amp;` goes last so
 * `&amp;lt;` decodes to the `&lt;` that was typed.
 */
export function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Cuts text to `max` characters with a visible ellipsis, never leaving half an escape entity. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && amp > cut.length - 6 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** A link whose label is escaped; the URL is ours (config plus encoded ids), never user text. */
export function link(url: string | undefined, label: string): string {
  const safe = escape(label) || 'untitled';
  return url ? `<${url}|${safe.replace(/\|/g, '¦')}>` : safe;
}

/** Text inside a code block: escaped, and with backticks that could close the block defused. */
export function codeBlock(text: string, max: number): string {
  const body = truncate(escape(text).replace(/```/g, '`\u200b``'), max - 8);
  return '```' + body + '```';
}
