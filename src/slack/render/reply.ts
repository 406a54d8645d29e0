import type { Reply } from '../../core/replies.js';
import { context, header, message, section, type Message } from './blocks.js';
import { renderSubscribed, renderSubscriptions } from './alert.js';
import { renderConnect, renderDoctor, renderStatus } from './connection.js';
import { renderDigest, renderDigestList } from './digest.js';
import { renderHelp } from './help.js';
import { codeBlock, escape, truncate, botText } from './mrkdwn.js';
import { renderRecord, type RenderOptions } from './record.js';
import { renderRecords, understoodContext } from './record-list.js';
import { renderReport } from './report.js';
import { renderConfirm, renderDone } from './write.js';

/** Any reply from core as a Slack message; each kind's renderer lives in the module named for what it shows. */
export function renderReply(reply: Reply, options: RenderOptions = {}): Message {
  switch (reply.kind) {
    case 'help':
      return renderHelp(reply);
    case 'notice': {
      const icon = { info: ':information_source:', success: ':white_check_mark:', warning: ':warning:' }[reply.tone];
      return message(reply.text, [section(`${icon} ${botText(reply.text)}`)]);
    }
    case 'records':
      return renderRecords(reply, options);
    case 'record':
      return renderRecord(
        reply.entity,
        reply.record,
        options,
        reply.understood ? `_Understood as: ${escape(reply.understood)}_` : undefined,
      );
    case 'confirm':
      return renderConfirm(reply);
    case 'done':
      return renderDone(reply, options);
    case 'connect':
      return renderConnect(reply.description, reply.url);
    case 'status':
      return renderStatus(reply);
    case 'subscribed':
      return renderSubscribed(reply);
    case 'doctor':
      return renderDoctor(reply);
    case 'subscriptions':
      return renderSubscriptions(reply);
    case 'actions': {
      if (reply.actions.length === 0) {
        return message('No matching actions', [
          section(
            `No actions match “${escape(reply.intent)}”. Try other words, or use \`/espo api\` for EspoCRM's REST API.`,
          ),
        ]);
      }
      const lines = reply.actions.map(
        (action) =>
          `*${escape(action.name)}*  \`${escape(action.key)}\`${action.isRead ? '' : '  _(writes)_'}${action.description ? `\n${escape(truncate(action.description, 300))}` : ''}`,
      );
      return message(`Actions for ${reply.intent}`, [
        header(`Actions for “${reply.intent}”`),
        ...lines.map((line) => section(line)),
        context('Run one with `/espo run <key> {json}`.'),
      ]);
    }
    case 'say':
      return message(reply.text, [section(botText(reply.text))]);
    case 'digest':
      return renderDigest(reply.digest, { siteUrl: options.siteUrl, preview: reply.preview, chart: options.chart });
    case 'digests':
      return renderDigestList(reply.digests, reply.personal);
    case 'count': {
      const text = `${reply.total} ${reply.total === 1 ? reply.entity.label.toLowerCase() : reply.entity.plural.toLowerCase()}`;
      return message(text, [section(`*${escape(text)}*`), understoodContext(reply.understood)]);
    }
    case 'report':
      return renderReport(reply, options);
    case 'data':
      return message(reply.title, [
        section(`*${escape(reply.title)}*`),
        section(codeBlock(JSON.stringify(reply.data ?? null, null, 2), 2900)),
      ]);
  }
}
