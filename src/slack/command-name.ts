import { COMMAND_CLOSE, COMMAND_OPEN } from '../core/text.js';

/** The slash command the app registers (manifest.yml's `slash_commands`) and every hint names. */
export const SLASH_COMMAND = '/espo';

const COMMAND_IN_TEXT = new RegExp(`${COMMAND_OPEN}([^${COMMAND_OPEN}${COMMAND_CLOSE}]*)${COMMAND_CLOSE}`, 'g');

/**
 * A command named in the bot's own text (core's `commandText`) as Slack users type it, in code
 * style: `/espo connect`. Applied to mrkdwn that is already escaped, so the words inside stay inert.
 */
export function withCommands(mrkdwn: string): string {
  return mrkdwn.replace(
    COMMAND_IN_TEXT,
    (_token, words: string) => `\`${words.trim() ? `${SLASH_COMMAND} ${words.trim()}` : SLASH_COMMAND}\``,
  );
}

/** The same for plain text (notification fallbacks, modal text), without code style. */
export function withCommandsPlain(text: string): string {
  return text.replace(COMMAND_IN_TEXT, (_token, words: string) =>
    words.trim() ? `${SLASH_COMMAND} ${words.trim()}` : SLASH_COMMAND,
  );
}
