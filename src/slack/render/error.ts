import type { AppError } from '../../core/errors.js';
import { actions, button, message, section, type AnyBlock, type Message } from './blocks.js';
import { ACTION_IDS } from './action-ids.js';
import { renderConnect } from './connection.js';
import { botText, escape } from './mrkdwn.js';

/** Errors the person can act on, in words; details (fields, duplicates, a connect link) when known. */
export function renderError(error: AppError): Message {
  if (error.code === 'connection_required') return renderConnect(error.userMessage, error.details.connectUrl);
  // Messages quote what the person typed (and usage like `<entity>`), so they are escaped like any other text.
  const blocks: (AnyBlock | undefined)[] = [section(`:warning: ${botText(error.userMessage)}`)];
  const check = error.details.check;
  if (check) {
    blocks.push(
      'id' in check
        ? actions(
            'espo_check',
            button({
              actionId: `${ACTION_IDS.showPrefix}${check.id}`,
              text: 'Check the record',
              value: JSON.stringify({ e: check.entity, id: check.id }),
            }),
          )
        : actions(
            'espo_check',
            button({ actionId: `${ACTION_IDS.page}:check`, text: 'Look for it', value: JSON.stringify(check.query) }),
          ),
    );
  }
  if (error.details.duplicates?.length) {
    blocks.push(
      section(
        `*Possible duplicates*\n${error.details.duplicates.map((d) => `• ${escape(d.name ?? d.id)} \`${escape(d.id)}\``).join('\n')}`,
      ),
    );
  }
  return message(error.userMessage, blocks);
}
