import { describe, expect, it } from 'vitest';
import { commandText } from '../../src/core/text.js';
import { SLASH_COMMAND, withCommandsPlain } from '../../src/slack/command-name.js';
import { botText } from '../../src/slack/render/mrkdwn.js';

describe('commands named in the bot’s own text', () => {
  it('are written as Slack users type them, in code style, under the registered command', () => {
    expect(botText(`Run ${commandText('connect')} to reconnect.`)).toBe(
      `Run \`${SLASH_COMMAND} connect\` to reconnect.`,
    );
    expect(botText(`Use ${commandText()} commands.`)).toBe(`Use \`${SLASH_COMMAND}\` commands.`);
  });

  it('keep the words inside inert: escaped like any other text', () => {
    expect(botText(`${commandText('find user <name>')} shows the ids`)).toBe(
      `\`${SLASH_COMMAND} find user &lt;name&gt;\` shows the ids`,
    );
    expect(botText(commandText('x <!channel>'))).not.toContain('<!channel>');
  });

  it('read as plain text in notification fallbacks', () => {
    expect(withCommandsPlain(`Run ${commandText('status')}.`)).toBe(`Run ${SLASH_COMMAND} status.`);
  });
});
