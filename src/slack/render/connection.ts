import type { Reply } from '../../core/replies.js';
import { actions, button, context, header, message, section, type Message } from './blocks.js';
import { alertsLine } from './alert.js';
import { botText, escape, truncate } from './mrkdwn.js';

const SITE_SOURCES = {
  stated: 'set with `/espo connect`',
  espocrm: "EspoCRM's own site URL",
  default: 'ESPOCRM_URL',
} as const;
const CHECK_ICONS = { ok: ':white_check_mark:', adapted: ':large_blue_circle:', problem: ':warning:' } as const;

/** `/espo status`: whether EspoCRM is connected, whose connection it is, where links go, how alerts arrive. */
export function renderStatus(reply: Extract<Reply, { kind: 'status' }>): Message {
  const { status } = reply;
  const scope = reply.scope === 'user' ? 'your own EspoCRM connection' : "this workspace's shared EspoCRM connection";
  const text =
    status.state === 'ready'
      ? `:large_green_circle: Connected to EspoCRM${status.name ? ` (${escape(status.name)})` : ''}. You are using ${scope}.`
      : status.state === 'none'
        ? ':white_circle: Not connected to EspoCRM yet. Run `/espo connect`.'
        : status.state === 'building'
          ? ':large_yellow_circle: The EspoCRM connection is still being set up. Try again in a minute.'
          : status.state === 'action_required'
            ? `:large_orange_circle: The EspoCRM connection needs you: ${escape(status.description)} Run \`/espo connect\`.`
            : `:red_circle: The EspoCRM connection failed: ${escape(status.message)} To start over: \`/espo disconnect\`, then \`/espo connect\`.`;
  return message('EspoCRM connection status', [
    section(text),
    reply.site
      ? context(`Record links go to ${escape(reply.site.url)} (${SITE_SOURCES[reply.site.source]}).`)
      : undefined,
    reply.alerts ? section(alertsLine(reply.alerts)) : undefined,
  ]);
}

/** The doctor's checks, one line each: ok, adapted to (the bot works around it), or a problem to act on. */
export function renderDoctor(reply: Extract<Reply, { kind: 'doctor' }>): Message {
  const title = reply.automatic ? 'The new EspoCRM connection needs attention' : 'EspoCRM connection check';
  const problems = reply.checks.filter((check) => check.status === 'problem').length;
  return message(`${title}: ${problems ? `${problems} problem${problems === 1 ? '' : 's'}` : 'no problems'}`, [
    header(title),
    ...reply.checks.map((check) =>
      section(`${CHECK_ICONS[check.status]} *${escape(check.name)}*: ${truncate(botText(check.detail), 2900)}`),
    ),
    context(
      reply.automatic
        ? 'I checked the new connection by myself, with harmless reads. `/espo doctor` shows every check.'
        : `Checked just now, with harmless reads. ${CHECK_ICONS.adapted} the bot works around it; ${CHECK_ICONS.problem} someone has to act.`,
    ),
  ]);
}

/** A connect link (or what to do first), shown only to the person. */
export function renderConnect(description: string, url?: string): Message {
  return message(`Connect EspoCRM: ${description}`, [
    section(`:link: ${botText(description)}`),
    actions(
      'espo_connect_actions',
      url ? button({ actionId: 'espo_open_connect', text: 'Connect EspoCRM', url, style: 'primary' }) : undefined,
    ),
    context(
      url
        ? 'This link is only shown to you. When you are done, run your command again.'
        : 'When that is done, run your command again.',
    ),
  ]);
}
