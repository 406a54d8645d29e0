import { EXAMPLES, USAGE } from '../../core/commands/grammar.js';
import type { Reply } from '../../core/replies.js';
import { context, message, section, type Message } from './blocks.js';
import { escape } from './mrkdwn.js';

/** `/espo help` (or an unknown word): the commands, with examples for a topic when one is asked about. */
export function renderHelp(reply: Extract<Reply, { kind: 'help' }>): Message {
  const topic = reply.topic;
  const focus = topic
    ? section(
        `*\`/espo ${escape(USAGE[topic])}\`*\n${EXAMPLES[topic].map((example) => `• \`/espo ${escape(example)}\``).join('\n')}`,
      )
    : undefined;
  const intro = reply.unknownWord
    ? `I don't know \`${escape(reply.unknownWord)}\`.${reply.suggestion ? ` Did you mean \`/espo ${escape(reply.suggestion)}\`?` : ''}`
    : '*EspoCRM from Slack.* Everything you look up is shown only to you until you share it; every change waits for your Confirm.';
  const usage = Object.values(USAGE)
    .map((line) => `• \`/espo ${escape(line)}\``)
    .join('\n');
  return message(reply.unknownWord ? `Unknown command ${reply.unknownWord}` : 'How to use /espo', [
    focus,
    section(intro),
    section(`*Commands*\n${usage}`),
    section(
      `*Records:* ${reply.entityWords.map((word) => `\`${escape(word)}\``).join(', ')} (and your custom entities by name)\n` +
        '*Examples*\n' +
        '• `/espo list leads status=New sort=-createdAt`\n' +
        '• `/espo list deals stage=Prospecting,Qualification amount>10k`\n' +
        '• `/espo find contact Jane`\n' +
        '• `/espo pipeline this quarter`\n' +
        '• `/espo sum deals amount by stage`\n' +
        '• `/espo create task name="Call Bob" dateEnd=tomorrow`\n' +
        '• `/espo update lead 5f3a… status="In Process"`',
    ),
    // `<` and `>` are Slack's markup even in code: escaped, so they show as typed.
    context(
      'Filters: `=`, `!=`, `&gt;`, `&lt;`, `&gt;=`, `&lt;=`, `~` (contains); `a,b` means any of. Dates: ISO, `today`, `tomorrow`, periods like `this-quarter`, `last-week`, `next-month`.',
    ),
  ]);
}
